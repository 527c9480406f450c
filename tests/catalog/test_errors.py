"""Bad input gets a clear error that names the argument; never a crash in C."""
import math
import numpy as np
import pytest

import fastinit


@pytest.mark.parametrize("seed,exc,match", [
    (-1, ValueError, "seed"), (2**64, ValueError, "seed"), (1.5, TypeError, "seed"),
    ("3", TypeError, "seed"), (True, TypeError, "seed")])
def test_bad_seed(seed, exc, match):
    with pytest.raises(exc, match=match):
        fastinit.normal(4, seed=seed)


@pytest.mark.parametrize("stream", [-1, 2**64, 0.5])
def test_bad_stream(stream):
    with pytest.raises((ValueError, TypeError), match="stream"):
        fastinit.uniform(4, seed=1, stream=stream)


def test_stream_without_seed():
    with pytest.raises(ValueError, match="stream"):
        fastinit.uniform(4, stream=3)


@pytest.mark.parametrize("std", [-1.0, float("inf"), float("nan")])
def test_bad_std(std):
    with pytest.raises(ValueError, match="std"):
        fastinit.normal(4, 0.0, std, seed=1)


def test_truncated_std_must_be_positive():
    with pytest.raises(ValueError, match="std"):
        fastinit.truncated_normal(4, 0.0, 0.0, seed=1)


def test_uniform_low_above_high_and_non_finite():
    with pytest.raises(ValueError, match="low must be <= high"):
        fastinit.uniform(4, 2.0, 1.0, seed=1)
    with pytest.raises(ValueError, match="high"):
        fastinit.uniform(4, 0.0, float("inf"), seed=1)
    with pytest.raises(ValueError, match="low"):
        fastinit.uniform(4, float("nan"), 1.0, seed=1)


def test_truncated_bounds():
    with pytest.raises(ValueError, match="low must be < high"):
        fastinit.truncated_normal(4, 0.0, 1.0, 1.0, 1.0, seed=1)
    with pytest.raises(ValueError, match="exclude all the mass"):
        fastinit.truncated_normal(4, 0.0, 1.0, 40.0, 41.0, seed=1)
    with pytest.raises(ValueError, match="no value of the output dtype"):
        fastinit.truncated_normal(4, 1.0, 1.0, 1.0001, 1.0002, seed=1, dtype="float16")


@pytest.mark.parametrize("dtype", ["int32", "complex64", np.uint8, "float128" if hasattr(np, "float128") else "bool"])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match="dtype"):
        fastinit.uniform(4, seed=1, dtype=dtype)


def test_bad_out():
    with pytest.raises(TypeError, match="array"):
        fastinit.normal_([0.0, 1.0], seed=1)
    ro = np.zeros(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastinit.normal_(ro, seed=1)
    with pytest.raises(TypeError, match="dtype"):
        fastinit.normal_(np.zeros(4, np.int64), seed=1)


@pytest.mark.parametrize("shape", [-1, (2, -3), (2.5,), "abc"])
def test_bad_shape(shape):
    with pytest.raises((ValueError, TypeError), match="shape"):
        fastinit.uniform(shape, seed=1)


def test_bad_shard():
    out = np.empty((2, 3), np.float32)
    with pytest.raises(ValueError, match="global_shape"):
        fastinit.uniform_(out, seed=1, global_shape=(4,))
    with pytest.raises(ValueError, match="does not fit"):
        fastinit.uniform_(out, seed=1, global_shape=(4, 4), start=(3, 0))
    with pytest.raises(ValueError, match="start"):
        fastinit.uniform_(out, seed=1, global_shape=(4, 4), start=(0,))
    with pytest.raises(ValueError, match="start"):
        fastinit.uniform_(out, seed=1, global_shape=(4, 4), start=(-1, 0))


@pytest.mark.parametrize("threads", [0, -2, 1.5])
def test_bad_threads(threads):
    with pytest.raises(ValueError, match="threads"):
        fastinit.normal(4, seed=1, threads=threads)


def test_random_raw_bounds():
    with pytest.raises(ValueError, match="start"):
        fastinit.random_raw(8, seed=1, start=2**64 - 4)
    with pytest.raises(TypeError, match="seed"):
        fastinit.random_raw(8, seed=None)


def test_failed_call_does_not_consume_a_global_stream():
    fastinit.seed(5)
    with pytest.raises(ValueError):
        fastinit.normal(4, std=-1.0)
    np.testing.assert_array_equal(fastinit.normal(4), fastinit.normal(4, seed=5, stream=0))


# ---- issue 12: crashes, silent wrong results and unclear errors ---------------------------
@pytest.mark.parametrize("threads", [100000, 2**31 - 1, 2**31, 2**63])
def test_threads_bounded(threads):
    with pytest.raises(ValueError, match="threads"):
        fastinit.uniform(1 << 10, seed=1, threads=threads)


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">f2"])
def test_byte_swapped_dtypes_refused(dtype):
    with pytest.raises(TypeError, match="byte"):
        fastinit.uniform(4, seed=1, dtype=dtype)
    with pytest.raises(TypeError, match="byte"):
        fastinit.uniform_(np.zeros(4, dtype), seed=1)


def _overlapping_views():
    base = np.zeros(4, np.float32)
    yield np.lib.stride_tricks.as_strided(base, (3, 4), (0, 4))
    yield np.broadcast_arrays(np.zeros((1, 4), np.float32), np.zeros((3, 4), np.float32))[0]
    yield np.lib.stride_tricks.as_strided(np.zeros(8, np.float32), (3, 4), (4, 4))


@pytest.mark.parametrize("fill", [
    lambda x: fastinit.uniform_(x, seed=1), lambda x: fastinit.normal_(x, seed=1),
    lambda x: fastinit.truncated_normal_(x, seed=1), lambda x: fastinit.glorot_uniform_(x, seed=1),
    lambda x: fastinit.orthogonal_(x, seed=1), lambda x: fastinit.identity_(x),
    lambda x: fastinit.sparse_(x, 0.5, seed=1), lambda x: fastinit.zeros_(x)])
def test_self_overlapping_outputs_refused(fill):
    for view in _overlapping_views():
        if not view.flags.writeable:
            view.flags.writeable = True   # broadcast results warn, then allow writing
        with pytest.raises(ValueError, match="share memory"):
            fill(view)


def test_non_overlapping_strided_views_still_fill():
    base = np.zeros(24, np.float32)
    view = np.lib.stride_tricks.as_strided(base, (3, 2), (8, 12))   # offsets 0,12,8,20,16,28
    fastinit.normal_(view, seed=3)
    np.testing.assert_array_equal(view, fastinit.normal((3, 2), seed=3))


def test_torch_expand_refused_as_torch_does():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="share memory"):
        fastinit.normal_(torch.zeros(1, 6).expand(4, 6), seed=1)
    with pytest.raises(RuntimeError):       # torch itself refuses the same tensor
        torch.zeros(1, 6).expand(4, 6).normal_()


@pytest.mark.parametrize("name", ["high", "std", "gain", "scale", "sparsity", "value"])
def test_huge_python_ints_name_the_argument(name):
    big = 10 ** 400
    call = {"high": lambda: fastinit.uniform(3, 0, big, seed=1),
            "std": lambda: fastinit.normal(3, 0, big, seed=1),
            "gain": lambda: fastinit.orthogonal((3, 3), big, seed=1),
            "scale": lambda: fastinit.variance_scaling((3, 3), big, seed=1),
            "sparsity": lambda: fastinit.sparse((3, 3), big, seed=1),
            "value": lambda: fastinit.constant(3, big)}[name]
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("fans", [(math.inf, math.inf), (1e-320, 1.0), (math.nan, 2.0)])
def test_degenerate_fans_raise(fans):
    with pytest.raises(ValueError, match="fan"):
        fastinit.he_uniform((3, 3), seed=1, fans=fans)


@pytest.mark.parametrize("gain", [math.inf, -math.inf, math.nan])
def test_non_finite_gains_raise(gain):
    for call in (lambda: fastinit.identity((3, 3), gain), lambda: fastinit.orthogonal((3, 3), gain, seed=1)):
        with pytest.raises(ValueError, match="gain"):
            call()


@pytest.mark.parametrize("dtype, value", [("float16", 1e6), ("float32", 1e39), ("bfloat16", 1e39)])
def test_constants_beyond_the_dtype_raise(dtype, value):
    with pytest.raises(ValueError, match="value"):
        fastinit.constant(3, value, dtype=dtype)
    with pytest.raises(ValueError, match="value"):
        fastinit.constant_(fastinit.zeros(3, dtype=dtype), -value)


def test_constant_nan_and_uniform_nan_are_both_value_errors():
    with pytest.raises(ValueError, match="value"):
        fastinit.constant(2, float("nan"))
    with pytest.raises(ValueError, match="low"):
        fastinit.uniform(2, float("nan"), seed=1)


@pytest.mark.parametrize("xp", [math, "numpy.linalg", 3])
def test_bad_namespaces(xp):
    with pytest.raises(TypeError, match="xp"):
        fastinit.normal(3, seed=1, xp=xp)


def test_sparsity_one_zeroes_everything():
    assert (fastinit.sparse((5, 3), 1.0, seed=1) == 0).all()


# ---- results the output dtype cannot hold are refused, naming the argument (issue 17) ----
@pytest.mark.parametrize("call, name", [
    (lambda: fastinit.orthogonal((4, 4), gain=1e39, seed=0), "gain"),
    (lambda: fastinit.orthogonal((4, 4), gain=1e5, seed=0, dtype="float16"), "gain"),
    (lambda: fastinit.orthogonal_(np.zeros((3, 5), np.float16), gain=-7e4, seed=0), "gain"),
    (lambda: fastinit.normal(3, 0, 1e39, seed=0), "std"),
    (lambda: fastinit.normal(3, 1e39, 1, seed=0), "mean"),
    (lambda: fastinit.normal(3, 0, 1e4, seed=0, dtype="float16"), "std"),
    (lambda: fastinit.normal(3, 0, 1e308, seed=0, dtype="float64"), "std"),
    (lambda: fastinit.normal_(np.zeros(3, np.float32), 0.0, 1e38, seed=0), "std"),
    (lambda: fastinit.truncated_normal(3, std=1e39, low=-1e40, high=1e40, seed=0), "std"),
    (lambda: fastinit.truncated_normal(3, mean=1e39, std=1.0, seed=0), "mean"),
    (lambda: fastinit.sparse((4, 4), 0.5, std=1e39, seed=0), "std"),
    (lambda: fastinit.identity((2, 2), gain=1e5, dtype="float16"), "gain"),
    (lambda: fastinit.constant((2,), 1e39), "value"),
])
def test_unrepresentable_results_are_refused(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}="):
        call()


def test_parameters_at_the_edge_of_the_range_still_work():
    w = fastinit.orthogonal((3, 5), gain=6e4, seed=0, dtype="float16")
    assert np.isfinite(w.astype(np.float32)).all()
    x = fastinit.normal(10_000, 0.0, 8000.0, seed=1, dtype="float16")
    assert np.isfinite(x.astype(np.float32)).all()
    t = fastinit.truncated_normal(1000, 0.0, 1e6, -1.0, 1.0, seed=2, dtype="float64")
    assert np.isfinite(t).all() and abs(t).max() <= 1.0
    big = fastinit.normal(1000, 0.0, 1e37, seed=3)
    assert np.isfinite(big).all()
