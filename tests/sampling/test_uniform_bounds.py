"""Uniform bounds the output dtype cannot honour are refused (issue 12): bounds beyond
the dtype's range (16-bit formats used to fill infinities or pile at the largest
value), and intervals that hold no value of the dtype (used to return a value outside
[low, high))."""
import math

import numpy as np
import pytest

import fastinit


@pytest.mark.parametrize("dtype,low,high", [
    ("float16", -1e6, 0.0), ("float16", 0.0, 1e6), ("float16", 1e6, 1e6),
    ("float16", -65520.0, 0.0),                 # rounds to -inf in float16
    ("bfloat16", -3.4e38, 0.0), ("bfloat16", 0.0, 3.4e38),
    ("float32", 1e39, 1e39), ("float32", -1e39, 0.0),
])
def test_bounds_outside_the_dtype_range_are_refused(dtype, low, high):
    with pytest.raises(ValueError, match=r"(low|high)=.* out of \w+ range"):
        fastinit.uniform(16, low, high, seed=1, dtype=dtype)
    out = np.zeros(16, fastinit.core.checks.dtype(dtype))
    with pytest.raises(ValueError, match="range"):
        fastinit.uniform_(out, low, high, seed=1)
    assert not out.astype(np.float32).any()     # nothing written


@pytest.mark.parametrize("dtype,big", [("float16", 65504.0), ("bfloat16", 3.3895313892515355e38)])
def test_bounds_at_the_largest_finite_value_still_work(dtype, big):
    low = -big if dtype == "float16" else 0.0     # (the float32 width must stay finite)
    x = fastinit.uniform(20000, low, big, seed=2, dtype=dtype).astype(np.float64)
    assert np.isfinite(x).all() and x.min() >= low and x.max() < big
    # no pile-up at the edges: each end holds about 1 / n_values of the mass, not 93 %
    assert np.mean(np.abs(x) == big) < 0.01


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -1e-50, 0.0), ("float32", 1.0000001, 1.00000011), ("float32", 1e-46, 1.2e-45),
    ("float16", 1.0001, 1.0002), ("float16", 2.0 ** -26, 2.0 ** -25),
    ("bfloat16", 0.1, 0.1000976),
])
def test_interval_without_a_representable_value_is_refused(dtype, low, high):
    with pytest.raises(ValueError, match=r"no value of the output dtype .* lies in \[low, high\)"):
        fastinit.uniform(3, low, high, seed=1, dtype=dtype)


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -1.5e-45, 0.0), ("float32", 1.0, 1.0000001), ("float16", 1.0, 1.0001),
    ("bfloat16", 0.1, 0.1005), ("float64", 1.0, math.nextafter(1.0, 2.0)),
])
def test_narrowest_valid_intervals_stay_inside(dtype, low, high):
    x = fastinit.uniform(1000, low, high, seed=3, dtype=dtype).astype(np.float64)
    assert x.min() >= low and x.max() < high


def test_low_equal_high_in_range_still_fills_low():
    assert (fastinit.uniform(5, 2.5, 2.5, seed=1, dtype="float16") == 2.5).all()
    assert (fastinit.uniform(5, 65504.0, 65504.0, seed=1, dtype="float16") == 65504.0).all()


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", 0.7, 0.70000006),     # float32(0.7) < 0.7: about half the values fell below
    ("float16", 0.1, 0.2), ("bfloat16", 0.7, 0.8), ("bfloat16", -0.1, 0.3),
])
def test_values_never_fall_below_low(dtype, low, high):
    # 16-bit rounding of float32(low) + width * u used to land under low
    # (bfloat16 (0.7, 0.8): 1.2 % of the values were 0.69921875)
    x = fastinit.uniform(200_000, low, high, seed=1, dtype=dtype).astype(np.float64)
    assert x.min() >= low and x.max() < high


def test_float32_lower_clamp_matches_reference():
    import reference as ref
    low, high = 0.7, 0.70000006
    got = fastinit.uniform(4096, low, high, seed=4, stream=2)
    np.testing.assert_array_equal(got, ref.uniform_f32(ref.words(4, 2, 0, 4096), low, high))
