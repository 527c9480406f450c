"""The initializer catalog.

Every initializer has two call forms:

* return-new: ``glorot_uniform(shape, *, seed=None, stream=0, dtype=None, xp=None,
  device=None, like=None)`` gives an array of namespace ``xp`` (or that of ``like``, or
  NumPy by default) on ``device``; ``dtype`` defaults to float32.  ``xp=dask.array`` gives
  a lazy Dask array (``chunks=``), see :mod:`fastinit.dask`.
* in place: ``glorot_uniform_(array, *, seed=None, stream=0, fans=None, ...)`` fills an
  existing array of any supported framework and returns it.

Random initializers also take ``global_shape=``/``start=`` (a shard of a larger tensor:
it equals the same slice of the whole, and the fans come from ``global_shape``) and
``threads=``.  Element ``e`` depends only on ``(seed, stream, e)``.

Fans use the Keras/JAX layout (last axis out, second to last in) unless ``in_axis``,
``out_axis``, ``batch_axis`` or explicit ``fans=(fan_in, fan_out)`` say otherwise; the
PyTorch layout lives in :mod:`fastinit.torch`.  The ``*_normal`` variance-scaling
initializers use a truncated normal here, as Keras and JAX do (``torch.nn.init``'s
``xavier_normal_``/``kaiming_normal_`` use a plain normal: see :mod:`fastinit.torch`).
"""
from __future__ import annotations

from .catalog import schemes as _schemes
from .catalog.edge import Array, Axes, Seed, Shape  # noqa: F401
from .catalog.random import (DISTRIBUTIONS, MODES, Distribution, Mode,  # noqa: F401
                             normal, normal_, truncated_normal, truncated_normal_, uniform,
                             uniform_, variance_scaling, variance_scaling_)
from .catalog.structured import (constant, constant_, dirac, dirac_, identity,  # noqa: F401
                                 identity_, ones, ones_, orthogonal, orthogonal_,
                                 orthogonal_matrix, sparse, sparse_, sparse_mask_stream,
                                 zeros, zeros_)
from .presets import PRESETS, TRUNCATED_STD  # noqa: F401

__all__ = [
    "zeros", "zeros_", "ones", "ones_", "constant", "constant_",
    "uniform", "uniform_", "normal", "normal_", "truncated_normal", "truncated_normal_",
    "variance_scaling", "variance_scaling_",
    "glorot_uniform", "glorot_uniform_", "glorot_normal", "glorot_normal_",
    "xavier_uniform", "xavier_uniform_", "xavier_normal", "xavier_normal_",
    "he_uniform", "he_uniform_", "he_normal", "he_normal_",
    "kaiming_uniform", "kaiming_uniform_", "kaiming_normal", "kaiming_normal_",
    "lecun_uniform", "lecun_uniform_", "lecun_normal", "lecun_normal_",
    "orthogonal", "orthogonal_", "identity", "identity_", "eye", "eye_",
    "dirac", "dirac_", "sparse", "sparse_",
]

# The named presets, one row each in fastinit/presets.py (fastinit.catalog.schemes builds
# the functions; its protocols give type checkers their signatures).
# (return-new, in-place) pairs in table order (tests/catalog/test_initializers.py checks
# the names against the table)
((glorot_uniform, glorot_uniform_), (glorot_normal, glorot_normal_), (he_uniform, he_uniform_),
 (he_normal, he_normal_), (lecun_uniform, lecun_uniform_), (lecun_normal, lecun_normal_)) = (
    _schemes.pair(p) for p in PRESETS)
xavier_uniform, xavier_uniform_ = glorot_uniform, glorot_uniform_
xavier_normal, xavier_normal_ = glorot_normal, glorot_normal_
kaiming_uniform, kaiming_uniform_ = he_uniform, he_uniform_
kaiming_normal, kaiming_normal_ = he_normal, he_normal_
eye, eye_ = identity, identity_

for _name in __all__:        # the public home of every catalog function is this module
    globals()[_name].__module__ = __name__
del _name

# doctest.testmod(fastinit.initializers) runs the examples of the functions defined in
# fastinit.catalog.* too
__test__ = {name: globals()[name] for name in __all__}
