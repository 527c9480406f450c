"""Element e depends only on (seed, stream, e): any thread count, any shard, any
memory layout of the output gives the same bits."""
import numpy as np
import pytest

import fastinit

DISTS = {
    "uniform": (fastinit.uniform, fastinit.uniform_, (-0.5, 2.0)),
    "normal": (fastinit.normal, fastinit.normal_, (0.1, 1.5)),
    "truncated_normal": (fastinit.truncated_normal, fastinit.truncated_normal_, (0.0, 1.0, -1.0, 2.5)),
}
DTYPES = ["float32", "float64", "float16", "bfloat16"]


@pytest.mark.parametrize("dist", DISTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_thread_counts_give_same_bits(dist, dtype):
    new, _, args = DISTS[dist]
    n = 3 * (1 << 16) + 7   # several jobs, odd tail
    one = new(n, *args, seed=5, stream=9, dtype=dtype, threads=1)
    for t in (2, 3, 4):
        other = new(n, *args, seed=5, stream=9, dtype=dtype, threads=t)
        np.testing.assert_array_equal(one.view(np.uint8), other.view(np.uint8))


@pytest.mark.parametrize("dist", DISTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_random_shards_equal_slices_of_the_whole(dist, dtype):
    new, _, args = DISTS[dist]
    rng = np.random.default_rng(hash((dist, dtype)) % 2**32)
    for _ in range(12):
        nd = int(rng.integers(1, 5))
        gshape = tuple(int(s) for s in rng.integers(1, 12 if nd > 1 else 3000, size=nd))
        whole = new(gshape, *args, seed=123, stream=4, dtype=dtype)
        start = tuple(int(rng.integers(0, g)) for g in gshape)
        shape = tuple(int(rng.integers(1, g - s + 1)) for g, s in zip(gshape, start))
        part = new(shape, *args, seed=123, stream=4, dtype=dtype, global_shape=gshape, start=start)
        sl = tuple(slice(s, s + n) for s, n in zip(start, shape))
        np.testing.assert_array_equal(part.view(np.uint8), whole[sl].view(np.uint8),
                                      err_msg=f"{gshape} {start} {shape}")


def test_single_elements_at_every_offset_match():
    whole = fastinit.normal(37, seed=1, dtype="float64")
    for e in range(37):
        one = fastinit.normal(1, seed=1, dtype="float64", global_shape=(37,), start=(e,))
        assert one[0] == whole[e]


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_out_is_filled_in_logical_order(dtype):
    base = np.zeros((64, 48), dtype=fastinit.core.checks.dtype(dtype))
    view = base.T[::2]                       # non-contiguous view of shape (24, 64)
    out = fastinit.normal_(view, seed=8)
    assert out is view
    expected = fastinit.normal(view.shape, seed=8, dtype=dtype)
    np.testing.assert_array_equal(np.ascontiguousarray(view).view(np.uint8), expected.view(np.uint8))
    assert np.count_nonzero(base.astype(np.float32)) == view.size  # nothing else written


def test_in_place_returns_same_object_and_new_equals_in_place():
    out = np.empty((5, 7), np.float32)
    assert fastinit.uniform_(out, seed=3) is out
    np.testing.assert_array_equal(out, fastinit.uniform((5, 7), seed=3))


@pytest.mark.parametrize("shape", [0, (0,), (3, 0), (0, 5, 2)])
def test_zero_size(shape):
    assert fastinit.normal(shape, seed=1).size == 0
    assert fastinit.truncated_normal_(np.empty(shape, np.float64), seed=1).size == 0


def test_zero_dim():
    x = fastinit.uniform((), seed=4)
    assert x.shape == () and x == fastinit.uniform(1, seed=4)[0]


def test_seed_none_uses_global_generator_streams():
    fastinit.seed(42)
    a, b = fastinit.normal(8), fastinit.normal(8)
    np.testing.assert_array_equal(a, fastinit.normal(8, seed=42, stream=0))
    np.testing.assert_array_equal(b, fastinit.normal(8, seed=42, stream=1))
    fastinit.seed(42)
    np.testing.assert_array_equal(fastinit.normal(8), a)


def test_streams_and_seeds_differ():
    a = fastinit.random_raw(64, seed=1, stream=0)
    assert not np.array_equal(a, fastinit.random_raw(64, seed=1, stream=1))
    assert not np.array_equal(a, fastinit.random_raw(64, seed=2, stream=0))


def test_stream_for_name_is_blake2b_prefix():
    import hashlib
    name = "encoder.layers.0.weight"
    expected = int.from_bytes(hashlib.blake2b(name.encode()).digest()[:8], "little")
    assert fastinit.stream_for_name(name) == expected
