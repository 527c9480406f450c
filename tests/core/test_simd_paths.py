"""Every SIMD copy of the CPU engine (baseline, AVX2, AVX-512) gives the same bits:
the math is IEEE-exact operations only, and the wide Philox kernels are integer code."""
import numpy as np
import pytest

import fastinit
from fastinit.engine import _engine

PATHS = _engine.simd_available()

CASES = [
    ("uniform", (-0.5, 2.0)), ("normal", (0.1, 1.5)),
    ("truncated_normal", (0.0, 1.0, -1.0, 2.5)), ("truncated_normal", (0.0, 1.0, 3.0, 9.0)),
    ("truncated_normal", (0.0, 1.0, 0.7, 0.71)), ("truncated_normal", (0.0, 1.0, -1.6, -1.0)),
    ("truncated_normal", (0.0, 1.0, -np.inf, -1.0)), ("truncated_normal", (0.0, 1.0, -10.0, -8.0)),
]


@pytest.fixture
def restore_simd():
    yield
    _engine.set_simd(None)


@pytest.mark.parametrize("dist,args", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_all_simd_paths_identical(dist, args, dtype, restore_simd):
    fn = getattr(fastinit, dist)
    results = {}
    for path in PATHS:
        _engine.set_simd(path)
        assert _engine.simd_name() == path
        # sizes and offsets that exercise wide Philox calls, scalar tails and shards
        whole = fn(70001, *args, seed=2**63 + 11, stream=77, dtype=dtype)
        part = fn((3, 1001), *args, seed=2**63 + 11, stream=77, dtype=dtype,
                  global_shape=(9, 5003), start=(4, 1999))
        results[path] = (whole.view(np.uint8).copy(), part.view(np.uint8).copy())
    base = results[PATHS[0]]
    for path in PATHS[1:]:
        np.testing.assert_array_equal(results[path][0], base[0], err_msg=path)
        np.testing.assert_array_equal(results[path][1], base[1], err_msg=path)


def test_baseline_path_always_available():
    assert PATHS[0] == "generic"


def test_set_simd_rejects_unknown(restore_simd):
    with pytest.raises(ValueError, match="simd"):
        _engine.set_simd("sse9")
