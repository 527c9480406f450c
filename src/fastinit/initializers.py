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

import math
import numbers
from typing import Any, Literal, Optional, Sequence, Tuple, Union

import numpy as np

from . import backends as _backends
from .core import checks as _checks, seeding as _seeding
from .engine import cpu as _cpu
from .core.request import NORMAL, TRUNCATED, UNIFORM, make_request
from .fans import compute_fans

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

TRUNCATED_STD = 0.87962566103423978   # std of N(0, 1) truncated to [-2, 2]
MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")

Array = Any                              # an array of any supported framework
Shape = Union[int, Sequence[int]]
Seed = Optional[int]
Axes = Union[int, Sequence[int]]
Mode = Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]
Distribution = Literal["truncated_normal", "normal", "untruncated_normal", "uniform"]


# ---- the two call forms, down to a backend -------------------------------------------------
def _new(dist: int, args: tuple, shape: Shape, seed: Seed, stream: int, dtype: Any, xp: Any,
         device: Any, like: Any, threads: Optional[int], global_shape: Any, start: Any,
         chunks: Any) -> Array:
    backend, dev = _target(xp, device, like, chunks)
    req = make_request(dist, args, _checks.dtype(dtype), _checks.shape(shape), seed=seed,
                       stream=stream, global_shape=global_shape, start=start, threads=threads)
    return backend.new_random(req, dev, chunks)


def _fill(array: Array, dist: int, args: tuple, seed: Seed, stream: int,
          threads: Optional[int], global_shape: Any, start: Any) -> Array:
    backend = _backends.for_array(array)
    req = make_request(dist, args, backend.dtype(array), backend.shape(array), seed=seed,
                       stream=stream, global_shape=global_shape, start=start, threads=threads)
    return backend.fill(array, req)


def _target(xp: Any, device: Any, like: Any, chunks: Any) -> tuple:
    backend, dev = _backends.for_target(xp, device, like)
    if chunks is not None and not isinstance(backend, _backends.DaskBackend):
        raise TypeError("chunks= is for Dask arrays only (xp=dask.array or fastinit.dask)")
    return backend, dev


def _new_host(shape: Shape, dtype: Any, xp: Any, device: Any, like: Any, chunks: Any,
              host_fn: Any) -> Array:
    """A new array computed on the host by ``host_fn(shape, np_dtype)``, then moved."""
    backend, dev = _target(xp, device, like, chunks)
    shape = _checks.shape(shape)
    dt = _checks.dtype(dtype)
    return backend.from_host(np.asarray(host_fn(shape, dt), dt), dev, chunks)


def _assign_host(array: Array, host_fn: Any) -> Array:
    """Write ``host_fn(shape, np_dtype)`` (computed on the host) into ``array``."""
    backend = _backends.for_array(array)
    shape, dt = backend.shape(array), backend.dtype(array)
    return backend.assign(array, host_fn(shape, dt))


def _value(value: Any, dt: np.dtype, name: str = "value") -> float:
    """A constant the dtype can hold: finite values beyond its range are refused, not
    turned into inf."""
    v = _checks.real(value, name)
    largest = _finfo_max(dt)
    if math.isfinite(v) and abs(v) > largest:
        raise ValueError(f"{name}={value!r} is outside the range of {dt.name} "
                         f"(largest finite value {largest:g})")
    return v


def _finfo_max(dt: np.dtype) -> float:
    if dt == _checks.BFLOAT16:
        return 3.3895313892515355e38
    return float(np.finfo(dt).max)


def _fans(shape: tuple, fans: Any, in_axis: Axes, out_axis: Axes,
          batch_axis: Axes) -> Tuple[float, float]:
    if fans is None:
        return compute_fans(shape, in_axis, out_axis, batch_axis)
    if isinstance(fans, (str, bytes)):
        raise TypeError(f"fans must be a pair (fan_in, fan_out), got {fans!r}")
    try:
        fan_in, fan_out = fans
    except (TypeError, ValueError):
        raise TypeError(f"fans must be a pair (fan_in, fan_out), got {fans!r}") from None
    fan_in, fan_out = _checks.finite(fan_in, "fans[0]"), _checks.finite(fan_out, "fans[1]")
    if fan_in < 0 or fan_out < 0:
        raise ValueError(f"fans must be non-negative, got {fans!r}")
    return fan_in, fan_out


def _variance_scaling_args(shape: Shape, scale: Any, mode: str, distribution: str,
                           in_axis: Axes, out_axis: Axes, batch_axis: Axes,
                           fans: Any) -> tuple:
    """(dist, args) of variance scaling for a tensor of (global) ``shape``."""
    scale = _checks.real(scale, "scale")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a positive finite number, got {scale}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}; "
                         f"got {distribution!r}")
    shape = _checks.shape(shape)
    fan_in, fan_out = _fans(shape, fans, in_axis, out_axis, batch_axis)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
           "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    if not fan > 0:
        if math.prod(shape) == 0:
            fan = 1.0            # nothing is drawn; keep the parameters finite
        else:
            raise ValueError(f"{mode} of shape {shape} is {fan}; fans must be positive "
                             "(pass fans=(fan_in, fan_out) or other axes)")
    variance = scale / fan
    if not math.isfinite(3.0 * variance) or not variance > 0:
        raise ValueError(f"scale / {mode} = {scale} / {fan} is not a usable variance "
                         "(fans too small or too large)")
    if distribution == "truncated_normal":
        std = math.sqrt(variance) / TRUNCATED_STD
        return TRUNCATED, (0.0, std, -2.0 * std, 2.0 * std)
    if distribution in ("normal", "untruncated_normal"):
        return NORMAL, (0.0, math.sqrt(variance))
    limit = math.sqrt(3.0 * variance)
    return UNIFORM, (-limit, limit)


def _array_shape(array: Array, global_shape: Any) -> tuple:
    shape = _backends.for_array(array).shape(array)
    return shape if global_shape is None else _checks.shape(global_shape, "global_shape")


# ---- constants --------------------------------------------------------------------------
def zeros(shape: Shape, *, dtype: Any = None, xp: Any = None, device: Any = None,
          like: Any = None, chunks: Any = None) -> Array:
    """All zeros.

    >>> fastinit.zeros((2, 2)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    return constant(shape, 0.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def zeros_(array: Array) -> Array:
    """Set ``array`` to 0 in place and return it."""
    return constant_(array, 0.0)


def ones(shape: Shape, *, dtype: Any = None, xp: Any = None, device: Any = None,
         like: Any = None, chunks: Any = None) -> Array:
    """All ones.

    >>> fastinit.ones(3).tolist()
    [1.0, 1.0, 1.0]
    """
    return constant(shape, 1.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def ones_(array: Array) -> Array:
    """Set ``array`` to 1 in place and return it."""
    return constant_(array, 1.0)


def constant(shape: Shape, value: float = 0.0, *, dtype: Any = None, xp: Any = None,
             device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """Every element ``value``.

    >>> fastinit.constant((1, 2), 0.5).tolist()
    [[0.5, 0.5]]
    """
    dt = _checks.dtype(dtype)
    value = _value(value, dt)
    backend, dev = _target(xp, device, like, chunks)
    return backend.new_full(_checks.shape(shape), value, dt, dev, chunks)


def constant_(array: Array, value: float = 0.0) -> Array:
    """Set every element of ``array`` to ``value`` in place and return it."""
    backend = _backends.for_array(array)
    return backend.fill_value(array, _value(value, backend.dtype(array)))


# ---- plain distributions ----------------------------------------------------------------
def uniform(shape: Shape, low: float = 0.0, high: float = 1.0, *, seed: Seed = None,
            stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
            like: Any = None, threads: Optional[int] = None, global_shape: Any = None,
            start: Any = None, chunks: Any = None) -> Array:
    """``U[low, high)``.  float32 and narrower: ``u = (w >> 8) * 2**-24``,
    ``v = float32(low) + float32(high - low) * u`` (float32 arithmetic), a ``v`` that
    reaches ``high`` becomes the largest value below it; float64: ``u`` from 53 bits of
    two words, the same in double (docs/contract.rst).

    >>> x = fastinit.uniform((2, 3), -1.0, 1.0, seed=0)
    >>> x.shape, x.dtype.name, bool(((x >= -1) & (x < 1)).all())
    ((2, 3), 'float32', True)
    """
    return _new(UNIFORM, (low, high), shape, seed, stream, dtype, xp, device, like, threads,
                global_shape, start, chunks)


def uniform_(array: Array, low: float = 0.0, high: float = 1.0, *, seed: Seed = None,
             stream: int = 0, threads: Optional[int] = None, global_shape: Any = None,
             start: Any = None) -> Array:
    """Fill ``array`` with ``U[low, high)`` in place and return it."""
    return _fill(array, UNIFORM, (low, high), seed, stream, threads, global_shape, start)


def normal(shape: Shape, mean: float = 0.0, std: float = 1.0, *, seed: Seed = None,
           stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
           like: Any = None, threads: Optional[int] = None, global_shape: Any = None,
           start: Any = None, chunks: Any = None) -> Array:
    """``N(mean, std**2)`` by Box-Muller: elements ``2k, 2k+1`` share one pair of
    uniforms, ``r = sqrt(-2 ln u1)``, ``theta = 2 pi u2``, even ``mean + std r cos``,
    odd ``mean + std r sin`` (docs/contract.rst).

    >>> a = fastinit.normal((4, 4), seed=7)
    >>> b = fastinit.normal((2, 4), seed=7, global_shape=(4, 4), start=(2, 0))
    >>> bool((a[2:] == b).all())
    True
    """
    return _new(NORMAL, (mean, std), shape, seed, stream, dtype, xp, device, like, threads,
                global_shape, start, chunks)


def normal_(array: Array, mean: float = 0.0, std: float = 1.0, *, seed: Seed = None,
            stream: int = 0, threads: Optional[int] = None, global_shape: Any = None,
            start: Any = None) -> Array:
    """Fill ``array`` with ``N(mean, std**2)`` in place and return it."""
    return _fill(array, NORMAL, (mean, std), seed, stream, threads, global_shape, start)


def truncated_normal(shape: Shape, mean: float = 0.0, std: float = 1.0, low: float = -2.0,
                     high: float = 2.0, *, seed: Seed = None, stream: int = 0,
                     dtype: Any = None, xp: Any = None, device: Any = None, like: Any = None,
                     threads: Optional[int] = None, global_shape: Any = None,
                     start: Any = None, chunks: Any = None) -> Array:
    """``N(mean, std**2)`` truncated to the absolute bounds ``[low, high]`` (as
    ``torch.nn.init.trunc_normal_``'s ``a``/``b``) by the inverse CDF, never rejection:
    ``z = Phi^-1(Phi(alpha) + u (Phi(beta) - Phi(alpha)))``; bounds may be infinite.

    >>> x = fastinit.truncated_normal((1000,), 0.0, 1.0, -0.5, 0.5, seed=1)
    >>> bool((abs(x) <= 0.5).all())
    True
    """
    return _new(TRUNCATED, (mean, std, low, high), shape, seed, stream, dtype, xp, device,
                like, threads, global_shape, start, chunks)


def truncated_normal_(array: Array, mean: float = 0.0, std: float = 1.0, low: float = -2.0,
                      high: float = 2.0, *, seed: Seed = None, stream: int = 0,
                      threads: Optional[int] = None, global_shape: Any = None,
                      start: Any = None) -> Array:
    """Fill ``array`` with a truncated normal in place and return it."""
    return _fill(array, TRUNCATED, (mean, std, low, high), seed, stream, threads,
                 global_shape, start)


# ---- variance scaling ---------------------------------------------------------------------
def variance_scaling(shape: Shape, scale: float = 1.0, mode: Mode = "fan_in",
                     distribution: Distribution = "truncated_normal", in_axis: Axes = -2,
                     out_axis: Axes = -1, batch_axis: Axes = (), *, seed: Seed = None,
                     stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
                     like: Any = None, fans: Any = None, threads: Optional[int] = None,
                     global_shape: Any = None, start: Any = None, chunks: Any = None) -> Array:
    """Variance scaling: ``variance = scale / fan`` with ``fan`` = fan_in, fan_out,
    (fan_in + fan_out)/2 (``fan_avg``) or sqrt(fan_in fan_out) (``fan_geo_avg``).

    * ``truncated_normal``: ``std = sqrt(variance) / 0.87962566103423978`` truncated to
      ``[-2 std, 2 std]`` (so the final std is ``sqrt(variance)``);
    * ``normal`` (also ``untruncated_normal``): ``N(0, variance)``;
    * ``uniform``: ``U[-limit, limit)``, ``limit = sqrt(3 * variance)``.

    Fans come from ``fans=``, else ``global_shape``, else ``shape``.

    >>> x = fastinit.variance_scaling((256, 512), 2.0, "fan_in", "uniform", seed=0)
    >>> bool(abs(x).max() <= (3 * 2.0 / 256) ** 0.5)
    True
    """
    fan_shape = shape if global_shape is None else global_shape
    dist, args = _variance_scaling_args(fan_shape, scale, mode, distribution, in_axis,
                                        out_axis, batch_axis, fans)
    return _new(dist, args, shape, seed, stream, dtype, xp, device, like, threads,
                global_shape, start, chunks)


def variance_scaling_(array: Array, scale: float = 1.0, mode: Mode = "fan_in",
                      distribution: Distribution = "truncated_normal", in_axis: Axes = -2,
                      out_axis: Axes = -1, batch_axis: Axes = (), *, seed: Seed = None,
                      stream: int = 0, fans: Any = None, threads: Optional[int] = None,
                      global_shape: Any = None, start: Any = None) -> Array:
    """In-place :func:`variance_scaling`; fans from ``fans=``, else ``global_shape``, else
    the array's shape."""
    dist, args = _variance_scaling_args(_array_shape(array, global_shape), scale, mode,
                                        distribution, in_axis, out_axis, batch_axis, fans)
    return _fill(array, dist, args, seed, stream, threads, global_shape, start)


# The named schemes: variance_scaling with fixed (scale, mode, distribution), as in
# jax/_src/nn/initializers.py.  The *_normal ones are truncated, as in Keras and JAX.
def glorot_uniform(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
                   xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
                   out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
                   threads: Optional[int] = None, global_shape: Any = None,
                   start: Any = None, chunks: Any = None) -> Array:
    """Glorot/Xavier uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``
    (``variance_scaling(1, "fan_avg", "uniform")``).

    >>> x = fastinit.glorot_uniform((300, 100), seed=0)
    >>> bool(abs(x).max() <= (6 / 400) ** 0.5)
    True
    """
    return variance_scaling(shape, 1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis,
                            seed=seed, stream=stream, dtype=dtype, xp=xp, device=device,
                            like=like, fans=fans, threads=threads, global_shape=global_shape,
                            start=start, chunks=chunks)


def glorot_uniform_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                    threads: Optional[int] = None, global_shape: Any = None,
                    start: Any = None) -> Array:
    """In-place :func:`glorot_uniform`: fills ``array`` and returns it."""
    return variance_scaling_(array, 1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis,
                             seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


def glorot_normal(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
                  xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
                  out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
                  threads: Optional[int] = None, global_shape: Any = None,
                  start: Any = None, chunks: Any = None) -> Array:
    """Glorot/Xavier normal as in Keras/JAX: truncated normal with final std
    ``sqrt(2 / (fan_in + fan_out))`` (``variance_scaling(1, "fan_avg", "truncated_normal")``).

    >>> x = fastinit.glorot_normal((3, 4), seed=0); x.shape
    (3, 4)
    """
    return variance_scaling(shape, 1.0, "fan_avg", "truncated_normal", in_axis, out_axis,
                            batch_axis, seed=seed, stream=stream, dtype=dtype, xp=xp,
                            device=device, like=like, fans=fans, threads=threads,
                            global_shape=global_shape, start=start, chunks=chunks)


def glorot_normal_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                   in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                   threads: Optional[int] = None, global_shape: Any = None,
                   start: Any = None) -> Array:
    """In-place :func:`glorot_normal`: fills ``array`` and returns it."""
    return variance_scaling_(array, 1.0, "fan_avg", "truncated_normal", in_axis, out_axis,
                             batch_axis, seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


def he_uniform(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
               xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
               out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
               threads: Optional[int] = None, global_shape: Any = None, start: Any = None,
               chunks: Any = None) -> Array:
    """He/Kaiming uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / fan_in)``
    (``variance_scaling(2, "fan_in", "uniform")``).

    >>> x = fastinit.he_uniform((600, 10), seed=0)
    >>> bool(abs(x).max() <= 0.1)
    True
    """
    return variance_scaling(shape, 2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis,
                            seed=seed, stream=stream, dtype=dtype, xp=xp, device=device,
                            like=like, fans=fans, threads=threads, global_shape=global_shape,
                            start=start, chunks=chunks)


def he_uniform_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                threads: Optional[int] = None, global_shape: Any = None,
                start: Any = None) -> Array:
    """In-place :func:`he_uniform`: fills ``array`` and returns it."""
    return variance_scaling_(array, 2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis,
                             seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


def he_normal(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
              xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
              out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
              threads: Optional[int] = None, global_shape: Any = None, start: Any = None,
              chunks: Any = None) -> Array:
    """He/Kaiming normal as in Keras/JAX: truncated normal with final std ``sqrt(2 / fan_in)``
    (``variance_scaling(2, "fan_in", "truncated_normal")``).

    >>> fastinit.he_normal((3, 3, 8, 16), seed=0).shape
    (3, 3, 8, 16)
    """
    return variance_scaling(shape, 2.0, "fan_in", "truncated_normal", in_axis, out_axis,
                            batch_axis, seed=seed, stream=stream, dtype=dtype, xp=xp,
                            device=device, like=like, fans=fans, threads=threads,
                            global_shape=global_shape, start=start, chunks=chunks)


def he_normal_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
               in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
               threads: Optional[int] = None, global_shape: Any = None,
               start: Any = None) -> Array:
    """In-place :func:`he_normal`: fills ``array`` and returns it."""
    return variance_scaling_(array, 2.0, "fan_in", "truncated_normal", in_axis, out_axis,
                             batch_axis, seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


def lecun_uniform(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
                  xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
                  out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
                  threads: Optional[int] = None, global_shape: Any = None,
                  start: Any = None, chunks: Any = None) -> Array:
    """LeCun uniform: ``U[-limit, limit)``, ``limit = sqrt(3 / fan_in)``
    (``variance_scaling(1, "fan_in", "uniform")``).

    >>> x = fastinit.lecun_uniform((300, 10), seed=0)
    >>> bool(abs(x).max() <= 0.1)
    True
    """
    return variance_scaling(shape, 1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis,
                            seed=seed, stream=stream, dtype=dtype, xp=xp, device=device,
                            like=like, fans=fans, threads=threads, global_shape=global_shape,
                            start=start, chunks=chunks)


def lecun_uniform_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                   in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                   threads: Optional[int] = None, global_shape: Any = None,
                   start: Any = None) -> Array:
    """In-place :func:`lecun_uniform`: fills ``array`` and returns it."""
    return variance_scaling_(array, 1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis,
                             seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


def lecun_normal(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
                 xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
                 out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
                 threads: Optional[int] = None, global_shape: Any = None,
                 start: Any = None, chunks: Any = None) -> Array:
    """LeCun normal as in Keras/JAX: truncated normal with final std ``sqrt(1 / fan_in)``
    (``variance_scaling(1, "fan_in", "truncated_normal")``).

    >>> fastinit.lecun_normal((4, 5), seed=0, dtype="float64").dtype.name
    'float64'
    """
    return variance_scaling(shape, 1.0, "fan_in", "truncated_normal", in_axis, out_axis,
                            batch_axis, seed=seed, stream=stream, dtype=dtype, xp=xp,
                            device=device, like=like, fans=fans, threads=threads,
                            global_shape=global_shape, start=start, chunks=chunks)


def lecun_normal_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                  in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                  threads: Optional[int] = None, global_shape: Any = None,
                  start: Any = None) -> Array:
    """In-place :func:`lecun_normal`: fills ``array`` and returns it."""
    return variance_scaling_(array, 1.0, "fan_in", "truncated_normal", in_axis, out_axis,
                             batch_axis, seed=seed, stream=stream, fans=fans, threads=threads,
                             global_shape=global_shape, start=start)


xavier_uniform, xavier_uniform_ = glorot_uniform, glorot_uniform_
xavier_normal, xavier_normal_ = glorot_normal, glorot_normal_
kaiming_uniform, kaiming_uniform_ = he_uniform, he_uniform_
kaiming_normal, kaiming_normal_ = he_normal, he_normal_


# ---- orthogonal ---------------------------------------------------------------------------
def _gain(gain: Any) -> float:
    return _checks.finite(gain, "gain")


def orthogonal_matrix(rows: int, cols: int, *, seed: int, stream: int, gain: float = 1.0,
                      dtype: Any = "float64", qr: Any = None) -> np.ndarray:
    """A ``(rows, cols)`` matrix with orthonormal rows (rows <= cols) or columns, times
    ``gain``: QR of ``A``, the transpose of the fastinit ``N(0, 1)`` matrix of shape
    ``(min, max)`` in ``(seed, stream)`` and ``dtype`` (float32 for 16-bit outputs), signs
    fixed by ``diag(R)``, transposed when ``rows < cols`` (the torch and Keras algorithm).
    ``A`` is drawn transposed so it is already in LAPACK's column-major layout.

    The normal matrix is the same bits everywhere; the QR is the array framework's own
    LAPACK (``qr``, NumPy's by default), so results are reproducible for a given
    framework build and thread count, and equal elsewhere to rounding (docs/initializers.rst)."""
    work = np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), work)
    n, m = max(rows, cols), min(rows, cols)
    a = normal((m, n), seed=seed, stream=stream, dtype=work).T
    q, r = (np.linalg.qr if qr is None else qr)(a)
    d = np.sign(np.diagonal(r)).astype(work)
    d[d == 0] = 1
    q *= d
    if rows < cols:
        q = q.T
    return q * work.type(gain) if gain != 1.0 else q


def _orthogonal_host(shape: tuple, dt: np.dtype, gain: float, column_axis: Any, seed: int,
                     stream: int, qr: Any = None) -> np.ndarray:
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape with at least 2 dimensions, got {shape}")
    nd = len(shape)
    if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral) \
            or not -nd <= column_axis < nd:
        raise ValueError(f"column_axis={column_axis!r} is not an axis of shape {shape}")
    col = int(column_axis) % nd
    cols = shape[col]
    rows = math.prod(shape) // cols if cols else math.prod(shape[:col] + shape[col + 1:])
    q = orthogonal_matrix(rows, cols, seed=seed, stream=stream, gain=gain, dtype=dt, qr=qr)
    q = q.reshape(shape[:col] + shape[col + 1:] + (cols,))
    return np.moveaxis(q, -1, col)


def orthogonal(shape: Shape, gain: float = 1.0, column_axis: int = -1, *, seed: Seed = None,
               stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
               like: Any = None, chunks: Any = None) -> Array:
    """A (semi-)orthogonal matrix times ``gain``: the axes other than ``column_axis`` are
    flattened into rows (Keras/JAX, ``column_axis=-1``); ``column_axis=0`` gives the torch
    layout.  Rows (or columns, whichever are fewer) are orthonormal.  The QR runs in the
    output's precision (float64 for float64, else float32) with the target framework's
    LAPACK where it has one (torch), else NumPy's; then the result is moved to
    ``xp``/``device``; Dask gets the host result.

    >>> w = fastinit.orthogonal((3, 5), seed=0, dtype="float64")
    >>> bool(abs(w @ w.T - np.eye(3)).max() < 1e-12)
    True
    """
    gain = _gain(gain)
    backend, dev = _target(xp, device, like, chunks)
    shape, dt = _checks.shape(shape), _checks.dtype(dtype)
    seed, stream = _seeding.resolve(seed, stream)
    host = _orthogonal_host(shape, dt, gain, column_axis, seed, stream, _qr_of(backend))
    return backend.from_host(np.asarray(host, dt), dev, chunks)


def orthogonal_(array: Array, gain: float = 1.0, *, column_axis: int = -1, seed: Seed = None,
                stream: int = 0) -> Array:
    """In-place :func:`orthogonal`."""
    gain = _gain(gain)
    backend = _backends.for_array(array)
    shape, dt = backend.shape(array), backend.dtype(array)
    seed, stream = _seeding.resolve(seed, stream)
    host = _orthogonal_host(shape, dt, gain, column_axis, seed, stream, _qr_of(backend))
    return backend.assign(array, host)


def _qr_of(backend: Any) -> Any:
    """torch's LAPACK for torch targets (what torch.nn.init.orthogonal_ uses); NumPy's
    otherwise."""
    if isinstance(backend, _backends.TorchCPUBackend) or getattr(backend, "torch_lapack", False):
        def torch_qr(a: np.ndarray) -> tuple:
            import torch
            q, r = torch.linalg.qr(torch.from_numpy(a))
            return q.numpy(), r.numpy()
        return torch_qr
    return None


# ---- identity, dirac -------------------------------------------------------------------------
def _eye_host(shape: tuple, dt: np.dtype, gain: float) -> np.ndarray:
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-dimensional shape, got {shape}")
    _value(gain, dt, "gain")
    return gain * np.eye(*shape, dtype=dt)


def identity(shape: Shape, gain: float = 1.0, *, dtype: Any = None, xp: Any = None,
             device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """``gain`` times the (rectangular) identity matrix; 2-D shapes only.

    >>> fastinit.identity((2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    gain = _gain(gain)
    return _new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _eye_host(s, dt, gain))


def identity_(array: Array, gain: float = 1.0) -> Array:
    """In-place :func:`identity`."""
    gain = _gain(gain)
    return _assign_host(array, lambda s, dt: _eye_host(s, dt, gain))


eye, eye_ = identity, identity_


def _dirac_host(shape: tuple, dt: np.dtype, groups: Any) -> np.ndarray:
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac needs a 3-, 4- or 5-dimensional shape (out, in, *kernel), "
                         f"got {shape}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    if shape[0] % groups:
        raise ValueError(f"groups={groups} must divide the out channels shape[0]={shape[0]}")
    out = np.zeros(shape, dt)
    per = shape[0] // groups
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(per, shape[1])):
            out[(g * per + d, d) + centre] = 1
    return out


def dirac(shape: Shape, groups: int = 1, *, dtype: Any = None, xp: Any = None,
          device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """Dirac delta for convolutions in the torch layout ``(out, in, *kernel)``:
    ``w[g*out/groups + d, d, centre] = 1`` for ``d < min(out/groups, in)``, else 0
    (``torch.nn.init.dirac_``): the convolution preserves its inputs.

    >>> w = fastinit.dirac((2, 2, 3))
    >>> w[:, :, 1].tolist(), float(w.sum())
    ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    return _new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _dirac_host(s, dt, groups))


def dirac_(array: Array, groups: int = 1) -> Array:
    """In-place :func:`dirac`."""
    return _assign_host(array, lambda s, dt: _dirac_host(s, dt, groups))


# ---- sparse ----------------------------------------------------------------------------------
def sparse_mask_stream(stream: int) -> int:
    """The stream that decides which rows :func:`sparse` zeroes: blake2b of
    ``"fastinit.sparse/<stream>"`` (see :func:`fastinit.stream_for_name`)."""
    return _seeding.stream_for_name(f"fastinit.sparse/{stream}")


def _sparse_host(shape: tuple, dt: np.dtype, sparsity: float, std: float, seed: int,
                 stream: int) -> np.ndarray:
    if len(shape) != 2:
        raise ValueError(f"sparse needs a 2-dimensional shape, got {shape}")
    rows, cols = shape
    out = normal(shape, 0.0, std, seed=seed, stream=stream, dtype=dt)
    zeros_per_col = math.ceil(sparsity * rows)
    if zeros_per_col and out.size:
        keys = uniform(shape, seed=seed, stream=sparse_mask_stream(stream), dtype="float64")
        order = np.argsort(keys, axis=0, kind="stable")[:zeros_per_col]
        out[order, np.arange(cols)] = 0
    return out


def _sparse_args(sparsity: Any, std: Any) -> tuple:
    sparsity = _checks.real(sparsity, "sparsity")
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    std = _checks.finite(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    return sparsity, std


def sparse(shape: Shape, sparsity: float, std: float = 0.01, *, seed: Seed = None,
           stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
           like: Any = None, chunks: Any = None) -> Array:
    """2-D ``(rows, cols)``: ``N(0, std**2)`` (the normal of ``(seed, stream)``) with
    ``ceil(sparsity * rows)`` entries of each column set to 0 (``torch.nn.init.sparse_``;
    ``sparsity=1`` zeroes everything).  The zeroed rows of column ``j`` are those with the
    smallest keys in column ``j`` of a float64 uniform matrix in stream
    :func:`sparse_mask_stream`, so they are reproducible.

    >>> w = fastinit.sparse((10, 4), 0.3, seed=0)
    >>> (w == 0).sum(axis=0).tolist()
    [3, 3, 3, 3]
    """
    sparsity, std = _sparse_args(sparsity, std)
    seed, stream = _seeding.resolve(seed, stream)
    return _new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _sparse_host(s, dt, sparsity, std, seed, stream))


def sparse_(array: Array, sparsity: float, std: float = 0.01, *, seed: Seed = None,
            stream: int = 0) -> Array:
    """In-place :func:`sparse`."""
    sparsity, std = _sparse_args(sparsity, std)
    seed, stream = _seeding.resolve(seed, stream)
    return _assign_host(array, lambda s, dt: _sparse_host(s, dt, sparsity, std, seed, stream))
