"""JAX initializers backed by fastinit, name for name and signature for signature as
:mod:`jax.nn.initializers`::

    import fastinit.jax as init
    flax.linen.Dense(8, kernel_init=init.glorot_uniform())
    w = init.he_normal()(jax.random.key(0), (784, 256))

Builders return ``init(key, shape, dtype=<bound default>, out_sharding=None)``;
``zeros``/``ones`` are initializers themselves.  The semantics are JAX's: ``dtype=None``
is JAX's default float (float64 under ``jax_enable_x64``), fans use ``in_axis``/
``out_axis``/``batch_axis`` (ints or sequences, empty included) with JAX's error for 1-D
and 0-D shapes under the default ``in_axis`` (the catalog, :func:`fastinit.fans.
compute_fans`, follows Keras there instead and uses ``fan_in = fan_out = n``), complex
dtypes follow JAX's complex variance scaling, and ``truncated_normal``'s ``lower``/
``upper`` are in units of ``stddev``.

The values are fastinit's: the key maps to ``(seed, stream)`` (:func:`seed_stream`, see
docs/contract.rst "JAX keys"), so ``init(key, shape)`` equals the matching catalog call
(``fastinit.normal(shape, 0, stddev, seed=, stream=)`` ...) bit for bit, eagerly, under
``jax.jit``/``jax.vmap``, and shard by shard.

How: an eager call with a concrete key fills on the host with the public catalog and
moves the result to the default device (or, with ``out_sharding=``, fills each
addressable shard from its global offset through :func:`jax.make_array_from_callback`).
Inside a transformation the key is traced and is an input of the compiled program,
never a constant in it.  On the CPU backend the fill is an XLA FFI custom call
(``fastinit_fill``, see ``fastinit.jax.ffi``) that writes the catalog's values straight
into XLA's output buffer; elsewhere, or where that call's checks of XLA's structs fail
(a warning says so), it is a :func:`jax.pure_callback`.  Both batch with
``vmap_method="expand_dims"`` (one fill per key of a batch).  On an accelerator the
host fill is copied to the device, so the values equal the CPU's.
"""

from .initializers import (Initializer, constant, delta_orthogonal, glorot_normal,  # noqa: F401
                           glorot_uniform, he_normal, he_uniform, kaiming_normal,
                           kaiming_uniform, lecun_normal, lecun_uniform, normal, ones,
                           orthogonal, truncated_normal, uniform, variance_scaling,
                           xavier_normal, xavier_uniform, zeros)
from .keys import seed_stream

__all__ = ["Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
           "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
           "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
           "variance_scaling", "xavier_normal", "xavier_uniform", "zeros", "seed_stream"]


def lsuv(model, inputs, *, seed=0, target_std=1.0, tol=0.1, max_iter=10, orthogonal=True,
         variables=None):
    """LSUV for a Flax NNX module (in place), or a linen module with its ``variables``
    (returns the fitted copy too): see :func:`fastinit.diagnosis.flax_lsuv.lsuv` (imports Flax
    when called)."""
    from ..diagnosis.flax_lsuv import lsuv as _lsuv
    return _lsuv(model, inputs, seed=seed, target_std=target_std, tol=tol, max_iter=max_iter,
                 orthogonal=orthogonal, variables=variables)


__all__ += ["lsuv"]
