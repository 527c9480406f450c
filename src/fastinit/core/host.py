"""Host-side constants for the kernels: float32/16-bit rounding bounds and normal-CDF
values, all computed in Python double (docs/contract.rst: kernels never recompute
them).  Formats, distributions and the parameter order come from the engine
(contract.h), never restated here."""
import math

import numpy as np

from ..engine._engine import BF16, F16, F32, F64, NORMAL, PARAM_FIELDS, TRUNCATED, UNIFORM  # noqa: F401


def fmt_of(dtype):
    """The output format of a float dtype (checked by _checks.dtype beforehand)."""
    from .checks import FORMAT_OF      # the one dtype -> format map
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


# ---- kernel parameter tuples (loc, scale, hi_clamp, lo_clamp, pa, d, qb, alpha, beta)
_FMT_NAMES = {F32: "float32", F64: "float64", F16: "float16", BF16: "bfloat16"}


def _check_in_range(fmt, low, high):
    """Bounds that round to infinity in the output format would fill infinities (or
    pile every sample at the largest finite value): refuse them, for every format."""
    for name, v in (("low", low), ("high", high)):
        if not math.isfinite(round_to(fmt, v)):
            big = below(fmt, math.inf)
            raise ValueError(f"{name}={v} is out of {_FMT_NAMES[fmt]} range (its largest "
                             f"finite value is {big:g}); low/high must lie within it")


def uniform_params(fmt, low, high):
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
    return (mean, std, 0.0, 0.0, 0, 0, 0, 0, 0)


def truncated_params(fmt, mean, std, low, high):
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
