"""Random draws of the catalog: ``uniform``, ``normal``, ``truncated_normal`` and
``variance_scaling`` (the presets in :mod:`fastinit.catalog.schemes` are built on it)."""
from __future__ import annotations

import math
from typing import Any, Literal, Optional, Tuple

from ..core import checks as _checks
from ..core.request import NORMAL, TRUNCATED, UNIFORM
from ..fans import fans_of
from ..presets import TRUNCATED_STD
from . import edge as _edge
from .edge import Array, Axes, Seed, Shape

MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")
Mode = Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]
Distribution = Literal["truncated_normal", "normal", "untruncated_normal", "uniform"]


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
    return _edge.new(UNIFORM, (low, high), _checks.shape(shape), seed=seed, stream=stream,
                     dtype=dtype, xp=xp, device=device, like=like, threads=threads,
                     global_shape=global_shape, start=start, chunks=chunks)


def uniform_(array: Array, low: float = 0.0, high: float = 1.0, *, seed: Seed = None,
             stream: int = 0, threads: Optional[int] = None, global_shape: Any = None,
             start: Any = None) -> Array:
    """Fill ``array`` with ``U[low, high)`` in place and return it."""
    return _edge.fill(array, UNIFORM, (low, high), seed=seed, stream=stream, threads=threads,
                      global_shape=global_shape, start=start)


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
    return _edge.new(NORMAL, (mean, std), _checks.shape(shape), seed=seed, stream=stream,
                     dtype=dtype, xp=xp, device=device, like=like, threads=threads,
                     global_shape=global_shape, start=start, chunks=chunks)


def normal_(array: Array, mean: float = 0.0, std: float = 1.0, *, seed: Seed = None,
            stream: int = 0, threads: Optional[int] = None, global_shape: Any = None,
            start: Any = None) -> Array:
    """Fill ``array`` with ``N(mean, std**2)`` in place and return it."""
    return _edge.fill(array, NORMAL, (mean, std), seed=seed, stream=stream, threads=threads,
                      global_shape=global_shape, start=start)


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
    return _edge.new(TRUNCATED, (mean, std, low, high), _checks.shape(shape), seed=seed,
                     stream=stream, dtype=dtype, xp=xp, device=device, like=like, threads=threads,
                     global_shape=global_shape, start=start, chunks=chunks)


def truncated_normal_(array: Array, mean: float = 0.0, std: float = 1.0, low: float = -2.0,
                      high: float = 2.0, *, seed: Seed = None, stream: int = 0,
                      threads: Optional[int] = None, global_shape: Any = None,
                      start: Any = None) -> Array:
    """Fill ``array`` with a truncated normal in place and return it."""
    return _edge.fill(array, TRUNCATED, (mean, std, low, high), seed=seed, stream=stream,
                      threads=threads, global_shape=global_shape, start=start)



def _fans(shape: tuple, fans: Any, in_axis: Axes, out_axis: Axes,
          batch_axis: Axes) -> Tuple[float, float]:
    if fans is None:
        return fans_of(shape, in_axis, out_axis, batch_axis)
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


def _variance_scaling_args(shape: tuple, scale: Any, mode: str, distribution: str,
                           in_axis: Axes, out_axis: Axes, batch_axis: Axes,
                           fans: Any) -> tuple:
    """(dist, args) of variance scaling for a tensor of (global, parsed) ``shape``."""
    scale = _checks.real(scale, "scale")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a positive finite number, got {scale}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}; "
                         f"got {distribution!r}")
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
    shape = _checks.shape(shape)
    fan_shape = shape if global_shape is None else _checks.shape(global_shape, "global_shape")
    dist, args = _variance_scaling_args(fan_shape, scale, mode, distribution, in_axis,
                                        out_axis, batch_axis, fans)
    return _edge.new(dist, args, shape, seed=seed, stream=stream, dtype=dtype, xp=xp,
                     device=device, like=like, threads=threads, global_shape=global_shape,
                     start=start, chunks=chunks)


def variance_scaling_(array: Array, scale: float = 1.0, mode: Mode = "fan_in",
                      distribution: Distribution = "truncated_normal", in_axis: Axes = -2,
                      out_axis: Axes = -1, batch_axis: Axes = (), *, seed: Seed = None,
                      stream: int = 0, fans: Any = None, threads: Optional[int] = None,
                      global_shape: Any = None, start: Any = None) -> Array:
    """In-place :func:`variance_scaling`; fans from ``fans=``, else ``global_shape``, else
    the array's shape."""
    dist, args = _variance_scaling_args(_edge.array_shape(array, global_shape), scale, mode,
                                        distribution, in_axis, out_axis, batch_axis, fans)
    return _edge.fill(array, dist, args, seed=seed, stream=stream, threads=threads,
                      global_shape=global_shape, start=start)


