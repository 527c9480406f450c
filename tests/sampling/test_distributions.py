"""Each sampler against the contract's formula evaluated independently (reference.py)
from the same Philox words: uniform bit for bit, normal and truncated normal within
the contract's tolerances."""
import math

import numpy as np
import pytest

import fastinit

import reference as ref

N = 1 << 16


@pytest.mark.parametrize("low,high", [(0.0, 1.0), (-1.0, 1.0), (-0.1, 0.3), (5.0, 5.5),
                                      (-3e5, 7e5), (1e-3, 1e-3 + 1e-9)])
def test_uniform_f32_bit_exact(low, high):
    seed, stream = 2024, 17
    got = fastinit.uniform(N, low, high, seed=seed, stream=stream)
    w = ref.words(seed, stream, 0, N)
    np.testing.assert_array_equal(got, ref.uniform_f32(w, low, high))
    assert float(got.min()) >= float(np.float32(low)) and float(got.max()) < high


@pytest.mark.parametrize("low,high", [(0.0, 1.0), (-1.0, 1.0), (-0.1, 0.3), (-3e5, 7e5)])
def test_uniform_f64_bit_exact(low, high):
    seed, stream = 99, 2**63 + 5
    got = fastinit.uniform(N, low, high, seed=seed, stream=stream, dtype="float64")
    w = ref.words(seed, stream, 0, 2 * N)
    np.testing.assert_array_equal(got, ref.uniform_f64(w[0::2], w[1::2], low, high))
    assert got.min() >= low and got.max() < high


def test_uniform_high_is_never_reached_even_when_width_rounds_up():
    # float32(low) + width * u can round to high; the contract moves it below high
    low, high = 1.0, 1.0 + 2**-23
    got = fastinit.uniform(N, low, high, seed=1)
    assert got.max() < high and got.min() >= low
    assert np.all(fastinit.uniform(10, 2.5, 2.5, seed=1) == 2.5)  # low == high fills low


def test_normal_f32_within_contract_tolerance():
    seed, stream = 31337, 4
    z = fastinit.normal(N, seed=seed, stream=stream).astype(np.float64)
    zr = ref.normal_f32_ref(ref.words(seed, stream, 0, N)).astype(np.float64)
    err = np.abs(z - zr) / (1 + np.abs(zr))
    assert err.max() <= 4e-6, err.max()


def test_normal_f64_within_contract_tolerance():
    seed, stream = 8, 2**40 + 3
    z = fastinit.normal(N, seed=seed, stream=stream, dtype="float64")
    zr = ref.normal_f64_ref(ref.words(seed, stream, 0, 2 * N)).astype(np.float64)
    err = np.abs(z - zr) / (1 + np.abs(zr))
    assert err.max() <= 1e-13, err.max()


def test_normal_f32_extreme_u1():
    # words whose u1 is the smallest (largest |z|) and u1 -> 1 (r -> 0): search a
    # stream for them would be slow, so check the formula on a crafted shard instead
    seed = 5
    w = ref.words(seed, 0, 0, 1 << 20)
    z = fastinit.normal(1 << 20, seed=seed).astype(np.float64)
    zr = ref.normal_f32_ref(w).astype(np.float64)
    big = np.argsort(np.abs(zr))[-20:]
    small = np.argsort(np.abs(zr))[:20]
    for idx in (big, small):
        assert np.all(np.abs(z[idx] - zr[idx]) <= 4e-6 * (1 + np.abs(zr[idx])))


def test_normal_mean_std_applied_in_float32():
    seed = 3
    z = fastinit.normal(1000, seed=seed)
    v = fastinit.normal(1000, 2.5, 0.5, seed=seed)
    np.testing.assert_array_equal(v, np.float32(2.5) + np.float32(0.5) * z)


BOUNDS = [(-2.0, 2.0), (-1.0, 3.0), (0.5, 0.6), (2.0, 4.0), (5.0, 10.0), (-10.0, -8.0),
          (-10.0, 10.0), (-np.inf, np.inf), (-np.inf, -3.0), (1.5, np.inf), (-1e-3, 1e-3),
          (8.0, 9.0), (-9.5, -9.4)]


@pytest.mark.parametrize("alpha,beta", BOUNDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_truncated_within_contract_tolerance(alpha, beta, dtype):
    seed, stream = 77, 12
    n = N if dtype == "float32" else N // 2
    z = fastinit.truncated_normal(n, 0.0, 1.0, alpha, beta, seed=seed, stream=stream, dtype=dtype)
    if dtype == "float32":   # contract 2: intervals of mass < 0.25 use 32-bit u
        w = ref.words(seed, stream, 0, n)
        precise = ref.trunc_mass(alpha, beta) < ref.TRUNC_PRECISE_D
        u = ref.trunc_u32(w) if precise else ref.trunc_u_f32(w)
    else:
        w = ref.words(seed, stream, 0, 2 * n)
        u = ref.trunc_u_f64(w[0::2], w[1::2])
    zr = ref.truncated_z_ref(u, alpha, beta)
    err = np.abs(z.astype(np.float64) - zr) / (1 + np.abs(zr))
    assert err.max() <= 1e-5, err.max()
    assert z.min() >= alpha and z.max() <= beta


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_truncated_values_always_inside_bounds(dtype):
    rng = np.random.default_rng(0)
    for _ in range(20):
        mean, std = rng.normal() * 3, math.exp(rng.normal())
        a = mean + std * rng.uniform(-4, 3)
        b = a + std * rng.uniform(0.01, 4)
        x = fastinit.truncated_normal(4096, mean, std, a, b, seed=int(rng.integers(1 << 30)),
                                      dtype=dtype).astype(np.float64)
        assert x.min() >= a and x.max() <= b, (mean, std, a, b, x.min(), x.max())


def _bf16_from_f32(x):
    b = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint32) << 16
    return r.astype(np.uint32).view(np.float32)


@pytest.mark.parametrize("dist", ["uniform", "normal", "truncated_normal"])
def test_half_precision_is_float32_rounded(dist):
    fn = getattr(fastinit, dist)
    args = {"uniform": (-1.0, 1.0), "normal": (0.0, 1.0), "truncated_normal": (0.0, 1.0, -1.5, 1.5)}[dist]
    f32 = fn(N, *args, seed=11, stream=2)
    f16 = fn(N, *args, seed=11, stream=2, dtype="float16")
    bf16 = fn(N, *args, seed=11, stream=2, dtype="bfloat16")
    exp16 = f32.astype(np.float16)
    expbf = _bf16_from_f32(f32)
    lo, hi = {"uniform": (-np.inf, 1.0), "normal": (-np.inf, np.inf),
              "truncated_normal": (-1.5, 1.5)}[dist]
    closed = dist == "truncated_normal"   # uniform excludes high, truncated includes it

    def inside(v):
        v = v.astype(np.float64)
        return (v >= lo) & ((v <= hi) if closed else (v < hi))

    # identical except where a bound clamp moved a rounded value back inside
    in16, inbf = inside(exp16), inside(expbf)
    np.testing.assert_array_equal(f16[in16], exp16[in16])
    np.testing.assert_array_equal(bf16.astype(np.float32)[inbf], expbf[inbf])
    assert in16.mean() > 0.99 and inbf.mean() > 0.98
    if dist == "normal":
        assert in16.all() and inbf.all()
    if dist == "uniform":
        assert f16.max() < 1.0 and bf16.astype(np.float32).max() < 1.0
