"""Independent reference for the stream contract (docs/contract.rst), in plain NumPy.

Nothing here calls fastinit: Philox4x32-10 is written from the paper, and the sample
formulas are evaluated in float64 / long double straight from the contract's text."""
import json
import math
import os

import numpy as np

M = 0xFFFFFFFF
# Random123's names: round multipliers and Weyl key increments
PHILOX_M4x32_0, PHILOX_M4x32_1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W32_0, PHILOX_W32_1 = 0x9E3779B9, 0xBB67AE85
TESTS_ROOT = os.path.dirname(os.path.abspath(__file__))
KNOWN_ANSWERS = os.path.join(TESTS_ROOT, "data", "philox_known_answers.json")


def known_answers():
    """Random123's Philox4x32-10 known answers (tests/data/philox_known_answers.json),
    as (counter 4-tuple, key 2-tuple, output 4-tuple) of ints."""
    with open(KNOWN_ANSWERS, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    return [tuple(tuple(int(x, 16) for x in c[k]) for k in ("counter", "key", "output"))
            for c in cases]


def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 on uint64 arrays holding 32-bit counter words; key as Python ints."""
    c0, c1, c2, c3 = (np.asarray(c, np.uint64) for c in (c0, c1, c2, c3))
    for r in range(10):
        p0 = c0 * np.uint64(PHILOX_M4x32_0)
        p1 = c2 * np.uint64(PHILOX_M4x32_1)
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0), p1 & np.uint64(M),
                          (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1), p0 & np.uint64(M))
        k0, k1 = (k0 + PHILOX_W32_0) & M, (k1 + PHILOX_W32_1) & M
    return c0, c1, c2, c3


def words(seed, stream, start, n):
    """Words start .. start+n-1 of the stream: word j is lane j % 4 of block j // 4."""
    if n == 0:
        return np.zeros(0, np.uint32)
    b0, b1 = start // 4, (start + n - 1) // 4
    b = np.arange(b1 - b0 + 1, dtype=object) + b0
    lo = np.array([int(x) & M for x in b], np.uint64)
    hi = np.array([int(x) >> 32 for x in b], np.uint64)
    out = philox(lo, hi, np.full(lo.shape, stream & M, np.uint64),
                 np.full(lo.shape, stream >> 32, np.uint64), seed & M, seed >> 32)
    w = np.stack(out, axis=1).reshape(-1).astype(np.uint32)
    return w[start - 4 * b0: start - 4 * b0 + n]


# ---- sample formulas -------------------------------------------------------------------
def uniform_f32(w, low, high):
    """The contract's float32 uniform, evaluated with NumPy float32 (no FMA in NumPy)."""
    u = (w >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
    width = np.float32(high - low)
    v = np.float32(low) + width * u
    below = np.float32(high)
    while float(below) >= high:
        below = np.nextafter(below, np.float32(-np.inf))
    above = np.float32(low)
    while float(above) < low:
        above = np.nextafter(above, np.float32(np.inf))
    v = np.where(v.astype(np.float64) < low, above, v)
    return np.where(v.astype(np.float64) >= high, below, v).astype(np.float32)


def u53(w0, w1):
    return ((w0 >> np.uint32(5)).astype(np.float64) * 2.0 ** 26
            + (w1 >> np.uint32(6)).astype(np.float64)) * 2.0 ** -53


def uniform_f64(w0, w1, low, high):
    v = low + (high - low) * u53(w0, w1)
    return np.where(v >= high, np.nextafter(high, -np.inf), v)


def normal_f32_ref(w):
    """z for float32 outputs, from words 2k, 2k+1, in long double (contract 2: u1 has 40
    bits, all of word 2k and the low 8 bits of word 2k+1)."""
    w0, w1 = w[0::2], w[1::2]
    ld = np.longdouble
    u1 = (w0.astype(ld) * 256 + (w1 & np.uint32(0xFF)).astype(ld) + ld(0.5)) * ld(2.0) ** -40
    u2 = (w1 >> np.uint32(8)).astype(ld) * ld(2.0) ** -24
    r = np.sqrt(-2 * np.log(u1))
    th = 2 * ld(np.pi) * u2
    z = np.empty(w.size, ld)
    z[0::2], z[1::2] = r * np.cos(th), r * np.sin(th)
    return z


def normal_f64_ref(w):
    """z for float64 outputs: pair k uses block k (4 words)."""
    ld = np.longdouble
    w = w.reshape(-1, 4)

    def v53(a, b):
        return ((a >> np.uint32(5)).astype(ld) * ld(2.0) ** 26 + (b >> np.uint32(6)).astype(ld))

    u1 = (v53(w[:, 0], w[:, 1]) + ld(0.5)) * ld(2.0) ** -53
    u2 = v53(w[:, 2], w[:, 3]) * ld(2.0) ** -53
    r = np.sqrt(-2 * np.log(u1))
    th = 2 * ld(np.pi) * u2
    z = np.empty(2 * w.shape[0], ld)
    z[0::2], z[1::2] = r * np.cos(th), r * np.sin(th)
    return z


def _ndtri(p):
    from scipy.special import ndtri
    return ndtri(p)


def truncated_z_ref(u, alpha, beta):
    """Phi^-1(Phi(alpha) + u (Phi(beta) - Phi(alpha))) in float64, tail-accurate: the
    same quantity written as -Phi^-1(upper tail) where that is the smaller one."""
    from scipy.special import ndtr
    pa, qb = ndtr(alpha), ndtr(-beta)
    d = (ndtr(-alpha) - qb) if alpha >= 0 else (ndtr(beta) - pa) if beta <= 0 else 1 - pa - qb
    p = pa + u * d
    q = qb + (1 - u) * d
    z = np.where(p <= q, _ndtri(p), -_ndtri(q))
    return np.clip(z, alpha, beta)


def trunc_u_f32(w):
    """Contract 2: u = (w + 1/2) 2**-32 for every float32 truncated normal (the float32
    formula rounds it to float32 once; the precise path keeps it exact in double)."""
    return (w.astype(np.float64) + 0.5) * 2.0 ** -32


def trunc_u_f64(w0, w1):
    k = ((w0 >> np.uint32(5)).astype(np.float64) * 2.0 ** 26 + (w1 >> np.uint32(6)).astype(np.float64))
    return (k + 0.5) * 2.0 ** -53


# contract 2: float32 truncated normal on intervals of mass D < 0.25 ("precise" path)
TRUNC_PRECISE_D = 0.25


def trunc_mass(alpha, beta):
    from scipy.special import ndtr
    return (ndtr(-alpha) - ndtr(-beta)) if alpha >= 0 else ndtr(beta) - ndtr(alpha)


def trunc_u32(w):
    return (w.astype(np.float64) + 0.5) * 2.0 ** -32


def truncated_f32_precise_ref(w, mean, std, low, high):
    """The float32 precise path from its definition: u = (w + 1/2) 2**-32, the exact
    quantile (SciPy's ndtri, from the smaller tail), mean + std z rounded once to
    float32, clamped to the float32 values inside [low, high]."""
    alpha, beta = (low - mean) / std, (high - mean) / std
    z = truncated_z_ref(trunc_u32(w), alpha, beta)
    v = (mean + std * z).astype(np.float32)
    lo_c, hi_c = np.float32(low), np.float32(high)
    if float(lo_c) < low:
        lo_c = np.nextafter(lo_c, np.float32(np.inf))
    if float(hi_c) > high:
        hi_c = np.nextafter(hi_c, np.float32(-np.inf))
    return np.clip(v, lo_c, hi_c)
