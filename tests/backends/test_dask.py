import random

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import fastinit
import fastinit.dask as fd

NAMES = ["uniform", "normal", "truncated_normal", "glorot_uniform", "glorot_normal",
         "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "variance_scaling"]


def _chunks(shape, rng):
    return tuple(tuple(_split(n, rng)) for n in shape)


def _split(n, rng):
    out = []
    while n:
        k = rng.randint(1, n)
        out.append(k)
        n -= k
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_compute_equals_numpy_bit_for_bit_any_chunks(dtype):
    rng = random.Random(dtype)
    for i, name in enumerate(NAMES):
        shape = tuple(rng.randint(1, 13) for _ in range(rng.randint(1, 4)))
        if name not in ("uniform", "normal", "truncated_normal") and len(shape) < 2:
            shape = shape + (3,)
        ref = getattr(fastinit, name)(shape, seed=i, stream=5, dtype=dtype)
        for _ in range(3):
            chunks = _chunks(shape, rng)
            d = getattr(fd, name)(shape, chunks=chunks, seed=i, stream=5, dtype=dtype)
            assert isinstance(d, da.Array) and d.chunks == chunks
            got = d.compute()
            assert got.dtype == ref.dtype
            np.testing.assert_array_equal(got.view(np.uint8), ref.view(np.uint8))
        x = getattr(fastinit, name)(shape, seed=i, stream=5, dtype=dtype, xp=da, chunks=2)
        np.testing.assert_array_equal(x.compute().view(np.uint8), ref.view(np.uint8))


def test_lazy_graph_and_seed_resolved_at_build():
    d = fd.he_normal((1000, 64), chunks=(100, 64), seed=1)
    assert d.numblocks == (10, 1) and len(d.__dask_graph__()) == 10
    fastinit.seed(3)
    lazy = fd.glorot_uniform((40, 30), chunks=7)
    fastinit.glorot_uniform((2, 2))                      # moves the global generator on
    a, b = lazy.compute(), lazy.compute()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, fastinit.glorot_uniform((40, 30), seed=3, stream=0))
    np.testing.assert_array_equal(d[250:260].compute(), fastinit.he_normal((1000, 64), seed=1)[250:260])


def test_host_initializers_and_constants():
    np.testing.assert_array_equal(fd.orthogonal((12, 5), chunks=4, seed=2).compute(),
                                  fastinit.orthogonal((12, 5), seed=2))
    np.testing.assert_array_equal(fd.sparse((12, 5), 0.5, chunks=4, seed=2).compute(),
                                  fastinit.sparse((12, 5), 0.5, seed=2))
    np.testing.assert_array_equal(fd.eye((4, 6), chunks=3).compute(), np.eye(4, 6, dtype=np.float32))
    z = fd.constant((10, 10), 3.0, chunks=5)
    assert isinstance(z, da.Array) and (z.compute() == 3).all()
    assert fd.dirac((4, 4, 3), chunks=2).compute().sum() == 4


def test_errors():
    with pytest.raises(TypeError, match="xp"):
        fd.glorot_uniform((4, 4), xp=np, seed=1)
    with pytest.raises(ValueError, match="global_shape"):
        fastinit.normal((4, 4), xp=da, seed=1, global_shape=(8, 4), start=(6, 0))
    with pytest.raises(TypeError, match="return-new"):
        fastinit.normal_(da.zeros((4, 4)), seed=1)
    with pytest.raises(ValueError, match="mode"):
        fd.variance_scaling((4, 4), mode="bad", seed=1)


def test_shard_of_a_larger_tensor():
    """A Dask array can itself be a block of a larger logical tensor: its chunks are
    sub-blocks, so it equals that slice of the whole."""
    part = fastinit.normal((4, 6), xp=da, seed=1, global_shape=(8, 10), start=(3, 2), chunks=3)
    np.testing.assert_array_equal(part.compute(), fastinit.normal((8, 10), seed=1)[3:7, 2:8])
