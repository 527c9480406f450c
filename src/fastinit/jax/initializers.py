"""The public initializers, name for name and signature for signature as
:mod:`jax.nn.initializers`."""
import math
import numbers
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

import fastinit as _fi
from .args import _concrete, _dtype, _scalar, _shape
from .draws import _catalog, _complex_normal, _orthogonal_host, _variance_scaling_draw
from .execution import _named_sharding, _run
from ..presets import PRESETS, preset as _row


Initializer = jax.nn.initializers.Initializer


def zeros(key: Any, shape: Any, dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """All zeros; ``key`` is ignored.

    >>> zeros(jax.random.key(42), (2, 3), jnp.float32).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
    return jnp.zeros(_shape(shape), dtype, **_placement(out_sharding))


def ones(key: Any, shape: Any, dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """All ones; ``key`` is ignored.

    >>> ones(jax.random.key(42), (3,), jnp.float32).tolist()
    [1.0, 1.0, 1.0]
    """
    dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
    return jnp.ones(_shape(shape), dtype, **_placement(out_sharding))


def _placement(out_sharding):
    """jnp's keyword for ``out_sharding``: a PartitionSpec is resolved by JAX against the
    current mesh (as JAX's own zeros/ones); a Sharding places the array (eager or traced)."""
    if out_sharding is None:
        return {}
    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        return {"out_sharding": out_sharding}
    return {"device": _named_sharding(out_sharding)}


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer filling ``value`` (anything ``jnp.full`` takes).

    >>> constant(-7)(jax.random.key(42), (2,), jnp.float32).tolist()
    [-7.0, -7.0]
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
        place = _placement(out_sharding)
        if "out_sharding" in place:
            return jnp.zeros(_shape(shape), dtype, **place) + jnp.asarray(value, dtype)
        return jnp.full(_shape(shape), value, dtype=dtype, **place)
    return init


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``U[0, scale)`` (real dtypes): ``fastinit.uniform(shape, 0, scale, seed=, stream=)``.

    >>> x = uniform(10.0)(jax.random.key(0), (2, 3))
    >>> bool(((x >= 0) & (x < 10)).all())
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "uniform", complex_ok=False)
        high, factor = _scalar(scale)
        return _run(key, shape, dt, _catalog(_fi.uniform, _fi.uniform_, dt, 0.0, high), out_sharding, factor)
    return init


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``N(0, stddev**2)``: ``fastinit.normal(shape, 0, stddev, seed=, stream=)``; complex
    dtypes have ``E|z|**2 = stddev**2`` (real and imaginary parts interleaved in the
    stream, see docs/contract.rst).

    >>> normal(5.0)(jax.random.key(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "normal")
        std, factor = _scalar(stddev)
        draw = _complex_normal(dt, std) if dt.kind == "c" else _catalog(_fi.normal, _fi.normal_, dt,
                                                                        0.0, std)
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0,
                     upper: Any = 2.0) -> Initializer:
    """``N(0, stddev**2)`` cut to ``[lower * stddev, upper * stddev]`` (no variance
    correction, as JAX): ``fastinit.truncated_normal(shape, 0, stddev, lower * stddev,
    upper * stddev, ...)``.

    >>> x = truncated_normal(1.0)(jax.random.key(0), (1000,))
    >>> bool((abs(x) <= 2).all())
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "truncated_normal", complex_ok=False)
        lo, hi = _concrete(lower, "lower"), _concrete(upper, "upper")
        std, factor = _scalar(stddev)
        draw = _catalog(_fi.truncated_normal, _fi.truncated_normal_, dt, 0.0, std,
                        lo * std, hi * std)
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def variance_scaling(scale: Any, mode: str, distribution: str, in_axis: Any = -2,
                     out_axis: Any = -1, batch_axis: Any = (), dtype: Any = None) -> Initializer:
    """JAX's variance scaling: ``variance = scale / n`` with ``n`` = fan_in, fan_out,
    their mean (``fan_avg``) or geometric mean (``fan_geo_avg``).

    * ``truncated_normal``: cut at 2 standard deviations, then scaled so the std is
      ``sqrt(variance)``; complex: modulus cut at 2, ``/ 0.95311164380491208``;
    * ``normal``: ``N(0, variance)`` (complex: ``E|z|**2 = variance``);
    * ``uniform``: ``U[-sqrt(3 variance), sqrt(3 variance))``; complex: a uniform disk
      of variance ``variance``.

    Real dtypes equal ``fastinit.variance_scaling(shape, variance, "fan_in",
    distribution, fans=(1, 1), seed=, stream=)``.

    >>> x = variance_scaling(2.0, "fan_in", "uniform")(jax.random.key(0), (256, 64))
    >>> bool(abs(x).max() <= (3 * 2.0 / 256) ** 0.5)
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "variance_scaling")
        value, traced = _scalar(scale)
        draw = _variance_scaling_draw(shape, dt, value, mode, distribution, in_axis,
                                      out_axis, batch_axis)
        factor = None if traced is None else jnp.sqrt(jnp.asarray(traced))
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def _preset(name: str) -> Callable[..., Initializer]:
    """The builder of preset ``name`` of :data:`fastinit.presets.PRESETS`:
    ``variance_scaling`` with the row's (scale, mode, distribution)."""
    p = _row(name)

    def builder(in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = (),
                dtype: Any = None) -> Initializer:
        return variance_scaling(p.scale, p.mode, p.distribution, in_axis=in_axis,
                                out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)
    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = (f"{p.summary}: variance_scaling({p.scale}, {p.mode!r}, "
                       f"{p.distribution!r}).")
    return builder


# the builders in table order, named here so type checkers see them (tests/catalog/
# test_initializers.py checks the names against the table)
glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal = (
    _preset(p.name) for p in PRESETS)
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def _check_axis(column_axis, shape):
    if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral) \
            or not -len(shape) <= column_axis < len(shape):
        raise ValueError(f"column_axis={column_axis!r} is not an axis of shape {shape}")


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """(Semi-)orthogonal matrices times ``scale``; the axes other than ``column_axis``
    are flattened into rows.  Real dtypes equal ``fastinit.orthogonal(shape, scale,
    column_axis, seed=, stream=)``.  ``out_sharding=`` works (JAX's raises
    NotImplementedError): the matrix is made once on the host and sliced.

    >>> w = orthogonal()(jax.random.key(0), (3, 5), jnp.float32)
    >>> bool(jnp.abs(w @ w.T - jnp.eye(3)).max() < 1e-5)
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "orthogonal")
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        _check_axis(column_axis, shape)
        value, factor = _scalar(scale)

        def draw(seed, stream, sub, global_shape, start):
            if math.prod(shape) == 0:
                return np.zeros(shape, dt)
            return _orthogonal_host(shape, dt, column_axis, seed, stream, value)
        return _run(key, shape, dt, draw, out_sharding, factor, whole_only=True)
    return init


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1,
                     dtype: Any = None) -> Initializer:
    """Delta orthogonal kernels (3-D, 4-D or 5-D, ``shape[-1] >= shape[-2]``): zeros
    except the spatial centre ``(k - 1) // 2``, which holds ``orthogonal(scale,
    column_axis)`` of shape ``shape[-2:]`` drawn from the same key.

    >>> w = delta_orthogonal()(jax.random.key(0), (3, 3, 4), jnp.float32)
    >>> float(jnp.abs(w[0]).max()), bool(jnp.abs(w[1] @ w[1].T - jnp.eye(3)).max() < 1e-5)
    (0.0, True)
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "delta_orthogonal")
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        _check_axis(column_axis, shape[-2:])
        value, factor = _scalar(scale)

        def draw(seed, stream, sub, global_shape, start):
            w = np.zeros(shape, dt)
            if math.prod(shape[-2:]):
                w[tuple((k - 1) // 2 for k in shape[:-2])] = _orthogonal_host(
                    shape[-2:], dt, column_axis, seed, stream, value)
            return w
        return _run(key, shape, dt, draw, out_sharding, factor, whole_only=True)
    return init
