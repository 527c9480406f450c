"""Pinned outputs: released streams never change (docs/contract.rst).

Uniform values and the float32 truncated normal on narrow / tail intervals (contract 2's
precise path) were derived from the independent reference (reference.py: NumPy Philox +
the contract formula, SciPy's ndtri) and must match it bit for bit.  The other normal /
truncated values were recorded from the engine (float32 normal: contract 2, 40-bit u1; float32
truncated: contract 2, 32-bit u)
and are re-validated here against the reference within the contract tolerance, so the
pins cannot hold a value the contract forbids."""
import numpy as np
import pytest

import fastinit

import reference as ref

SEED, STREAM = 20241125, 3

GOLDEN = {
    ("uniform", "float32", (-1.0, 1.0)): ("<u4", [0xbe725290, 0xbde526f0, 0x3eba46a0, 0xbf5dfdb4,
                                                  0x3eb85bc4, 0x3f751694, 0x3f28acc0, 0xbefc9894]),
    ("uniform", "float64", (0.0, 1.0)): ("<u8", [0x3fd86d6bb38d6c8a, 0x3fe5d2351c44049a,
                                                 0x3fe5c2de2bea2d28, 0x3fea8acc0503676c]),
    ("normal", "float32", ()): ("<u4", [0xbfa6cabf, 0x3ef4ae6a, 0x3f4cc8f7, 0x3eb59a97,
                                        0x3f5ecdb6, 0xbdf01e4c, 0xbc51437a, 0x3f1c8640]),
    ("normal", "float64", ()): ("<u8", [0xbfe26d447d82c9f8, 0xbff4349722d14375,
                                        0x3fdae76a4727a8c2, 0xbfe8ac5816b011f7]),
    ("normal", "float16", ()): ("<u2", [0xbd36, 0x37a5, 0x3a66, 0x35ad, 0x3af6, 0xaf81, 0xa28a, 0x38e4]),
    ("normal", "bfloat16", ()): ("<u2", [0xbfa7, 0x3ef5, 0x3f4d, 0x3eb6, 0x3f5f, 0xbdf0, 0xbc51, 0x3f1d]),
    ("truncated_normal", "float32", ()): ("<u4", [0xbe92ef99, 0xbe097a4c, 0x3ee66229, 0xbfaeb314,
                                                  0x3ee3d919, 0x3fdba1c3, 0x3f64f927, 0xbf211f7a]),
    ("truncated_normal", "float32", (0.0, 1.0, 0.7, 0.7001)): (
        "<u4", [0x3f3335b4, 0x3f33361c, 0x3f3337ab, 0x3f3333a3,
                0x3f3337a8, 0x3f33399d, 0x3f3338a3, 0x3f3334dc]),
    ("truncated_normal", "float32", (0.0, 1.0, -10.0, -8.0)): (
        "<u4", [0xc101e254, 0xc10196fb, 0xc100c08b, 0xc1053cfd,
                0xc100c1ec, 0xc1000add, 0xc1005e2f, 0xc102ad8d]),
    ("truncated_normal", "float64", ()): ("<u8", [0xbfd25df36aa70409, 0x3fdccc454faf2719,
                                                  0x3fdc7b2371a00bad, 0x3fec9f253780ebeb]),
}


@pytest.mark.parametrize("key", GOLDEN, ids=lambda k: f"{k[0]}-{k[1]}-{k[2]}")
def test_golden(key):
    dist, dtype, args = key
    view, bits = GOLDEN[key]
    got = getattr(fastinit, dist)(len(bits), *args, seed=SEED, stream=STREAM, dtype=dtype)
    assert got.view(view).tolist() == bits


def test_golden_pins_agree_with_reference():
    w = ref.words(SEED, STREAM, 0, 16)
    z32 = np.array(GOLDEN[("normal", "float32", ())][1], "<u4").view(np.float32)
    zr = ref.normal_f32_ref(w[:8]).astype(np.float64)
    assert np.all(np.abs(z32 - zr) <= 4e-6 * (1 + np.abs(zr)))
    zr = ref.normal_f32_ref(ref.words(SEED, STREAM, 0, 1 << 14)).astype(np.float64)
    z32 = fastinit.normal(1 << 14, seed=SEED, stream=STREAM, dtype="float32").astype(np.float64)
    assert np.all(np.abs(z32 - zr) <= 4e-6 * (1 + np.abs(zr)))
    z64 = np.array(GOLDEN[("normal", "float64", ())][1], "<u8").view(np.float64)
    zr = ref.normal_f64_ref(w[:8]).astype(np.float64)
    assert np.all(np.abs(z64 - zr) <= 1e-13 * (1 + np.abs(zr)))
    t32 = np.array(GOLDEN[("truncated_normal", "float32", ())][1], "<u4").view(np.float32)
    tr = ref.truncated_z_ref(ref.trunc_u_f32(w[:8]), -2.0, 2.0)
    assert np.all(np.abs(t32 - tr) <= 1e-5 * (1 + np.abs(tr)))
    t64 = np.array(GOLDEN[("truncated_normal", "float64", ())][1], "<u8").view(np.float64)
    tr = ref.truncated_z_ref(ref.trunc_u_f64(w[0:8:2], w[1:8:2]), -2.0, 2.0)
    assert np.all(np.abs(t64 - tr) <= 1e-5 * (1 + np.abs(tr)))
    u32 = np.array(GOLDEN[("uniform", "float32", (-1.0, 1.0))][1], "<u4").view(np.float32)
    np.testing.assert_array_equal(u32, ref.uniform_f32(w[:8], -1.0, 1.0))


@pytest.mark.parametrize("args", [(0.0, 1.0, 0.7, 0.7001), (0.0, 1.0, -10.0, -8.0)])
def test_precise_pins_are_the_reference(args):
    w = ref.words(SEED, STREAM, 0, 8)
    pinned = np.array(GOLDEN[("truncated_normal", "float32", args)][1], "<u4").view(np.float32)
    np.testing.assert_array_equal(pinned, ref.truncated_f32_precise_ref(w, *args))


# intervals of mass below 0.25 (narrow, off-centre, tails, one-sided, scaled)
PRECISE = [(0.0, 1.0, -1e-3, 1e-3), (0.0, 1.0, -0.01, 0.01), (0.0, 1.0, 0.7, 0.7001),
           (0.0, 1.0, -10.0, -8.0), (0.0, 1.0, 3.0, np.inf), (0.0, 1.0, -np.inf, -1.0),
           (0.0, 1.0, 5.0, 6.0), (0.5, 0.02, 0.5, 0.51), (1.0, 2.0, -3.0, -2.5)]


@pytest.mark.parametrize("args", PRECISE, ids=str)
def test_precise_path_is_the_rounded_exact_quantile(args):
    """Contract 2: every element is the exact quantile rounded once to float32 (PPND16
    and SciPy agree to ~1e-16, so a disagreement would need a value within 1e-16 of a
    rounding boundary: about one in 10**8)."""
    n = 1 << 14
    mean, std, low, high = args
    assert ref.trunc_mass((low - mean) / std, (high - mean) / std) < ref.TRUNC_PRECISE_D
    got = fastinit.truncated_normal(n, *args, seed=SEED, stream=STREAM, dtype="float32")
    np.testing.assert_array_equal(got, ref.truncated_f32_precise_ref(ref.words(SEED, STREAM, 0, n), *args))


def test_float32_normal_radius_passes_24_bit_limit():
    """Contract 2: u1 has 40 bits.  Element 250746716 of seed 12 starts a pair whose word
    2k is 0x21 (< 2**7), so r = sqrt(-2 ln u1) = 6.11: beyond 5.887, the most a 24-bit u1
    could give (about 27 such radii are expected in 7e9 samples)."""
    e = 250746716
    w = ref.words(12, 0, e, 2)
    assert w[0] < 1 << 7
    z = fastinit.normal(2, seed=12, global_shape=(1 << 40,), start=(e,), dtype="float32")
    zr = ref.normal_f32_ref(w).astype(np.float64)
    assert np.all(np.abs(z - zr) <= 4e-6 * (1 + np.abs(zr)))
    assert np.hypot(*z.astype(np.float64)) > 6.1 > 5.887


def test_float32_truncated_wide_interval_reaches_past_24_bit_limit():
    """Contract 2: u has 32 bits on the float32 formula too.  With 24 bits the smallest
    tail probability was 2**-25 D, so N(0, 1) truncated to [-100, 100] never passed
    |z| = 5.42 (about 420 of 7e9 values lie beyond).  Element 41841907 of seed 1,
    stream 0 is the word 0x3a, so u = 58.5 * 2**-32 and z = -5.56."""
    e = 41841907
    w = ref.words(1, 0, e, 1)
    z = fastinit.truncated_normal(1, 0.0, 1.0, -100.0, 100.0, seed=1, global_shape=(1 << 40,),
                                  start=(e,), dtype="float32")
    assert w[0] == 0x3A
    zr = ref.truncated_z_ref(ref.trunc_u_f32(w), -100.0, 100.0)
    assert abs(float(z[0]) - zr[0]) <= 1e-5 * (1 + abs(zr[0]))
    assert float(z[0]) < -5.5
