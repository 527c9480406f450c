"""Pinned outputs: released streams never change (docs/contract.rst).

Uniform values were derived from the independent reference (reference.py: NumPy Philox
+ the contract formula).  Normal / truncated values were recorded from fastinit 0.1.0
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
    ("normal", "float32", ()): ("<u4", [0xbfa6cac0, 0x3ef4ae6c, 0x3f4cc8f8, 0x3eb59a98,
                                        0x3f5ecdb5, 0xbdf01e4b, 0xbc514378, 0x3f1c863f]),
    ("normal", "float64", ()): ("<u8", [0xbfe26d447d82c9f8, 0xbff4349722d14375,
                                        0x3fdae76a4727a8c2, 0xbfe8ac5816b011f7]),
    ("normal", "float16", ()): ("<u2", [0xbd36, 0x37a5, 0x3a66, 0x35ad, 0x3af6, 0xaf81, 0xa28a, 0x38e4]),
    ("normal", "bfloat16", ()): ("<u2", [0xbfa7, 0x3ef5, 0x3f4d, 0x3eb6, 0x3f5f, 0xbdf0, 0xbc51, 0x3f1d]),
    ("truncated_normal", "float32", ()): ("<u4", [0xbe92ef9d, 0xbe097a4c, 0x3ee66227, 0xbfaeb316,
                                                  0x3ee3d919, 0x3fdba1c6, 0x3f64f929, 0xbf211f78]),
    ("truncated_normal", "float64", ()): ("<u8", [0xbfd25df36aa70409, 0x3fdccc454faf2719,
                                                  0x3fdc7b2371a00bad, 0x3fec9f253780ebeb]),
}


@pytest.mark.parametrize("key", GOLDEN, ids=lambda k: f"{k[0]}-{k[1]}")
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
