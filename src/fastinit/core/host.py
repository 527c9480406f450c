"""Host-side constants for the kernels: float32/16-bit rounding bounds and normal-CDF
values, all computed in Python double (docs/contract.rst: kernels never recompute
them).  Formats, distributions and the parameter order come from the engine
(contract.h), never restated here."""
import math

import numpy as np

from ..engine._engine import (BF16, DIST_NAMES, F16, F32, F64, NORMAL,  # noqa: F401
                              PARAM_FIELDS, TRUNCATED, UNIFORM)
from .checks import FORMAT_OF, finite as _finite, real as _real


def fmt_of(dtype):
    """The output format of a float dtype (checked by _checks.dtype beforehand)."""
    return FORMAT_OF[np.dtype(dtype)]


# ---- values of each format, as Python floats ------------------------------------
def _f32(x):
    with np.errstate(over="ignore"):   # out of range -> inf, which callers check
        return float(np.float32(x))


def _bf16_round(x):
    """float32 -> bfloat16 by round-to-nearest-even, same formula as sample.h."""
    b = int(np.array(x, np.float32).view(np.uint32))
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    return float(np.array(r << 16, np.uint32).view(np.float32))


def round_to(fmt, x):
    """x (a double) rounded to the format, the way the kernels round: to float32
    first, then to the 16-bit format."""
    if fmt == F64:
        return float(x)
    x32 = _f32(x)
    if fmt == F16:
        with np.errstate(over="ignore"):
            return float(np.float16(np.float32(x32)))
    if fmt == BF16:
        return _bf16_round(x32)
    return x32


def _step(fmt, x, up):
    """The neighbouring value of format `fmt` above (up) or below x (x in the format)."""
    inf = math.inf if up else -math.inf
    if fmt == F64:
        return math.nextafter(x, inf)
    if fmt == F32:
        return float(np.nextafter(np.float32(x), np.float32(inf)))
    if fmt == F16:
        return float(np.nextafter(np.float16(x), np.float16(inf)))
    # bfloat16: step the top 16 bits of the float32 pattern
    b = int(np.array(x, np.float32).view(np.uint32)) >> 16
    if x == 0:
        b = 0x0001 if up else 0x8001
    elif (x > 0) == up:
        b += 1
    else:
        b -= 1
    return float(np.array((b & 0xFFFF) << 16, np.uint32).view(np.float32))


def below(fmt, x):
    """Largest value of the format strictly below x."""
    v = round_to(fmt, x)
    while v >= x:
        v = _step(fmt, v, up=False)
    return v


def at_least(fmt, x):
    """Smallest value of the format >= x."""
    v = round_to(fmt, x)
    while v < x:
        v = _step(fmt, v, up=True)
    return v


def at_most(fmt, x):
    """Largest value of the format <= x."""
    v = round_to(fmt, x)
    while v > x:
        v = _step(fmt, v, up=False)
    return v


def f32_clamp_hi(fmt, v):
    """Largest float32 whose rounding to `fmt` is <= v (v a value of fmt): clamping a
    float32 result there keeps the rounded output <= v."""
    if fmt in (F32, F64) or math.isinf(v):
        return v
    nxt = _step(fmt, v, up=True)
    mid = (v + nxt) / 2 if not math.isinf(nxt) else v + (v - _step(fmt, v, up=False)) / 2
    c = _f32(mid)
    while round_to(fmt, c) > v:
        c = float(np.nextafter(np.float32(c), np.float32(-math.inf)))
    return c


def f32_clamp_lo(fmt, v):
    """Smallest float32 whose rounding to `fmt` is >= v."""
    return -f32_clamp_hi(fmt, -v) if fmt in (F16, BF16) else v


# ---- normal CDF ---------------------------------------------------------------------
_SQRT1_2 = 0.7071067811865476


def ncdf(x):
    """Phi(x), accurate in the lower tail."""
    return 0.5 * math.erfc(-x * _SQRT1_2)


def ncdf_upper(x):
    """1 - Phi(x), accurate in the upper tail."""
    return 0.5 * math.erfc(x * _SQRT1_2)


# ---- what a format can hold ----------------------------------------------------------
_FMT_NAMES = {F32: "float32", F64: "float64", F16: "float16", BF16: "bfloat16"}
_LARGEST = {}


def largest(fmt):
    """The largest finite value of the format."""
    v = _LARGEST.get(fmt)
    if v is None:
        v = _LARGEST[fmt] = below(fmt, math.inf)
    return v


def check_fits(fmt, name, x, given=None):
    """The one range rule of every initializer: a finite ``x`` (the argument ``name``,
    or the largest result it leads to) beyond the format's largest finite value would
    come out as infinity, so it is refused, naming the argument."""
    if math.isfinite(x) and abs(x) > largest(fmt):
        raise ValueError(f"{name}={x if given is None else given!r} is outside the range of "
                         f"{_FMT_NAMES[fmt]} (largest finite value {largest(fmt):g})")


# Largest |z| a standard draw can reach (docs/contract.rst): the normal's radius
# sqrt(-2 ln u1) at the smallest u1 (2**-41 in float32 and narrower, 2**-54 in float64),
# which also bounds the truncated normal's inverse CDF (tail probability >= 2**-33,
# 2**-54 in float64).
Z_REACH = {F32: math.sqrt(82 * math.log(2)), F16: math.sqrt(82 * math.log(2)),
           BF16: math.sqrt(82 * math.log(2)), F64: math.sqrt(108 * math.log(2))}


def _check_reach(fmt, mean, std, low=-math.inf, high=math.inf):
    """mean/std in the range of the format the kernel computes in (float32 below float64),
    and every result ``mean + std z`` (inside [low, high]) in the output's range."""
    check_fits(fmt, "mean", mean)
    check_fits(F64 if fmt == F64 else F32, "std", std)
    reach = std * Z_REACH[fmt]
    if max(low, mean - reach) < -largest(fmt) or min(high, mean + reach) > largest(fmt):
        raise ValueError(f"std={std} with mean={mean} reaches beyond the range of "
                         f"{_FMT_NAMES[fmt]} (largest finite value {largest(fmt):g}); "
                         "its samples could not be represented")


# ---- kernel parameters of each distribution -----------------------------------------
# One function per distribution of contract.h's FI_DIST_LIST, named ``<name>_params``:
# it takes the output format and the distribution's arguments (any real numbers, in the
# public call's order), checks them (naming each) and returns the parameter tuple in
# FI_PARAM_LIST order (loc, scale, hi_clamp, lo_clamp, pa, d, qb, alpha, beta).
def _check_in_range(fmt, low, high):
    """Bounds that round to infinity in the output format would fill infinities (or
    pile every sample at the largest finite value): refuse them, for every format."""
    for name, v in (("low", low), ("high", high)):
        if not math.isfinite(round_to(fmt, v)):
            raise ValueError(f"{name}={v} is out of {_FMT_NAMES[fmt]} range (its largest "
                             f"finite value is {largest(fmt):g}); low/high must lie within it")


def uniform_params(fmt, low, high):
    low, high = _finite(low, "low"), _finite(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    _check_in_range(fmt, low, high)
    if low == high:
        return (low, 0.0, math.inf, -math.inf, 0, 0, 0, 0, 0)
    if fmt == F64:
        width = high - low
        if not math.isfinite(width):
            raise ValueError(f"high - low overflows float64 (low={low}, high={high})")
        return (low, width, below(F64, high), -math.inf, 0, 0, 0, 0, 0)
    # an interval between two neighbouring values of the format holds none of them: the
    # clamp below high would land under low
    if not at_least(fmt, low) < high:
        raise ValueError(f"no value of the output dtype ({_FMT_NAMES[fmt]}) lies in "
                         f"[low, high) = [{low}, {high})")
    width = _f32(high - low)
    if not math.isfinite(width) or not math.isfinite(_f32(low)):
        raise ValueError(f"low/high out of float32 range (low={low}, high={high})")
    hi_clamp = f32_clamp_hi(fmt, below(fmt, high))
    # float32(low) may round below low, and a 16-bit rounding may too: clamp up to the
    # format's first value >= low (a no-op whenever float32(low) is exact)
    lo_clamp = f32_clamp_lo(fmt, at_least(fmt, low))
    return (_f32(low), width, hi_clamp, lo_clamp, 0, 0, 0, 0, 0)


def normal_params(fmt, mean, std):
    mean, std = _finite(mean, "mean"), _finite(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    _check_reach(fmt, mean, std)
    return (mean, std, 0.0, 0.0, 0, 0, 0, 0, 0)


def truncated_params(fmt, mean, std, low, high):
    mean, std = _finite(mean, "mean"), _finite(std, "std")
    low, high = _real(low, "low"), _real(high, "high")
    if not std > 0:
        raise ValueError(f"std must be > 0 for a truncated normal, got {std}")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    _check_reach(fmt, mean, std, low, high)
    alpha = (low - mean) / std
    beta = (high - mean) / std
    pa, qb = ncdf(alpha), ncdf_upper(beta)
    if alpha >= 0:      # both bounds in the upper tail: difference of upper tails
        d = ncdf_upper(alpha) - qb
    elif beta <= 0:     # both in the lower tail
        d = ncdf(beta) - pa
    else:
        d = 1.0 - pa - qb
    if not d > 0:
        raise ValueError(f"truncated normal bounds [{low}, {high}] exclude all the mass of "
                         f"N({mean}, {std}**2) (to double precision)")
    lo_v, hi_v = at_least(fmt, low), at_most(fmt, high)
    if lo_v > hi_v:
        raise ValueError(f"no value of the output dtype lies in [low, high] = [{low}, {high}]")
    return (mean, std, f32_clamp_hi(fmt, hi_v), f32_clamp_lo(fmt, lo_v), pa, d, qb, alpha, beta)
