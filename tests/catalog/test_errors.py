"""Bad input gets a clear error that names the argument; never a crash in C."""
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
