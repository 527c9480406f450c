"""The engine's entry points (fill_flat, fill_shard) and the contract constants it
exports: same bits as the independent reference and as a whole-tensor fill, whatever
the thread count (bounded inside the engine), the shard layout or the offsets."""
import os
import re
import tracemalloc

import numpy as np
import pytest

import fastinit
from fastinit.core import host as _host
from fastinit.engine import _engine

import reference as ref

CORE = os.path.dirname(_engine.__file__)
DTYPES = ["float32", "float64", "float16", "bfloat16"]


def _params(dist, fmt):
    if dist == _engine.UNIFORM:
        return _host.uniform_params(fmt, -0.5, 2.0)
    if dist == _engine.NORMAL:
        return _host.normal_params(fmt, 0.1, 1.5)
    return _host.truncated_params(fmt, 0.0, 1.0, -1.0, 2.5)


def _flat(n, dtype, dist, e0=0, threads=1, seed=5, stream=9):
    dt = fastinit.core.checks.dtype(dtype)
    fmt = _host.fmt_of(dt)
    out = np.full(n, 7, dt)
    _engine.fill_flat(out.ctypes.data, fmt, dist, _params(dist, fmt), seed, stream, e0, n,
                      threads)
    return out


def _bits(a):
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def test_constants_come_from_contract_header():
    text = open(os.path.join(CORE, "contract.h")).read()
    fields = re.search(r"#define FI_PARAM_LIST\(X\)(.*)", text).group(1)
    assert _engine.PARAM_FIELDS == tuple(re.findall(r"X\((\w+)\)", fields))
    # formats and distributions: codes are positions in the X-macro lists
    codes = {}
    for lst in ("FI_FMT_LIST", "FI_DIST_LIST"):
        entries = re.search(rf"#define {lst}\(X\)(.*)", text).group(1)
        codes.update({c: i for i, c in enumerate(re.findall(r"X\(FI_(\w+),", entries))})
    for name in ("F32", "F64", "F16", "BF16", "UNIFORM", "NORMAL", "TRUNCATED"):
        value = codes[name]
        assert getattr(_engine, name) == value
        assert getattr(_host, name) is getattr(_engine, name)   # not restated in Python
    assert len(_host.normal_params(_engine.F32, 0.0, 1.0)) == len(_engine.PARAM_FIELDS)
    assert [_engine.itemsize(f) for f in (_engine.F32, _engine.F64, _engine.F16,
                                          _engine.BF16)] == [4, 8, 2, 2]


@pytest.mark.parametrize("e0", [0, 1, 3, (1 << 16) - 5, 4 * 2**32 - 300])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_fill_flat_uniform_matches_reference(e0, threads):
    n = (1 << 16) + 1001 if e0 < 2**20 else 600
    got = _flat(n, "float32", _engine.UNIFORM, e0=e0, threads=threads)
    w = ref.words(5, 9, e0, n)
    np.testing.assert_array_equal(got, ref.uniform_f32(w, -0.5, 2.0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dist", [_engine.UNIFORM, _engine.NORMAL, _engine.TRUNCATED])
def test_fill_flat_offsets_and_threads_give_same_bits(dtype, dist):
    n = 3 * (1 << 16) + 7
    whole = _flat(n, dtype, dist)
    for e0, m, t in ((0, n, 4), (1, n - 1, 2), (70001, 5, 3), (65535, 65539, 2), (3, 9, 1)):
        part = _flat(m, dtype, dist, e0=e0, threads=t)
        np.testing.assert_array_equal(_bits(part), _bits(whole[e0:e0 + m]))


@pytest.mark.parametrize("threads", [0, -3, 5, 1023, 1025, 100000, 2**31 - 1, 2**62])
def test_fill_flat_bounds_threads(threads):
    # any thread count is safe (bounded inside the engine) and gives the same bits
    n = 1 << 17
    np.testing.assert_array_equal(_flat(n, "float32", _engine.NORMAL, threads=threads),
                                  _flat(n, "float32", _engine.NORMAL))


def test_fill_flat_small_and_empty():
    whole = _flat(16, "float32", _engine.NORMAL)
    np.testing.assert_array_equal(_flat(1, "float32", _engine.NORMAL, e0=15), whole[15:])
    out = np.full(4, 3.0, np.float32)
    _engine.fill_flat(out.ctypes.data, _engine.F32, _engine.NORMAL, (0.0, 1.0) + (0.0,) * 7,
                      1, 2, 0, 0, 4)
    assert (out == 3.0).all()


def test_bad_kind_and_params_rejected():
    out = np.empty(4, np.float32)
    p = _host.normal_params(_engine.F32, 0.0, 1.0)
    with pytest.raises(ValueError, match="fmt"):
        _engine.fill_flat(out.ctypes.data, 4, _engine.NORMAL, p, 1, 0, 0, 4, 1)
    with pytest.raises(ValueError, match="dist"):
        _engine.fill_flat(out.ctypes.data, _engine.F32, 3, p, 1, 0, 0, 4, 1)
    with pytest.raises(ValueError, match="params"):
        _engine.fill_flat(out.ctypes.data, _engine.F32, _engine.NORMAL, p[:8], 1, 0, 0, 4, 1)
    # a list works as well as a tuple
    _engine.fill_flat(out.ctypes.data, _engine.F32, _engine.NORMAL, list(p), 1, 0, 0, 4, 1)
    np.testing.assert_array_equal(out, fastinit.normal(4, seed=1))


def _shard(dtype, dist, shape, gshape, start, threads=1):
    dt = fastinit.core.checks.dtype(dtype)
    fmt = _host.fmt_of(dt)
    out = np.full(shape, 7, dt)
    _engine.fill_shard(out.ctypes.data, fmt, dist, _params(dist, fmt), 5, 9, shape, gshape,
                       start, threads)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dist", [_engine.UNIFORM, _engine.NORMAL, _engine.TRUNCATED])
def test_fill_shard_equals_slice_of_whole(dtype, dist):
    rng = np.random.default_rng(abs(hash((dtype, dist))) % 2**32)
    cases = [((300, 1), (300, 70), (0, 5)), ((3, 70000), (5, 70001), (1, 1)),
             ((2, 3, 4), (5, 6, 7), (1, 2, 3)), ((), (), ()), ((0, 4), (5, 6), (2, 1)),
             ((4, 1, 1, 3), (5, 2, 3, 7), (1, 1, 2, 4))]
    for _ in range(8):
        nd = int(rng.integers(1, 5))
        g = tuple(int(s) for s in rng.integers(1, 13 if nd > 1 else 3000, size=nd))
        st = tuple(int(rng.integers(0, s)) for s in g)
        sh = tuple(int(rng.integers(1, s - a + 1)) for s, a in zip(g, st))
        cases.append((sh, g, st))
    for shape, gshape, start in cases:
        n = int(np.prod(gshape, dtype=np.int64))
        whole = _flat(n, dtype, dist).reshape(gshape)
        sl = tuple(slice(a, a + s) for a, s in zip(start, shape))
        for threads in (1, 3):
            got = _shard(dtype, dist, shape, gshape, start, threads)
            np.testing.assert_array_equal(_bits(got), _bits(whole[sl]),
                                          err_msg=f"{shape} {gshape} {start} t={threads}")


def test_fill_shard_rejects_what_would_write_out_of_bounds():
    out = np.empty(8, np.float32)
    p = _host.normal_params(_engine.F32, 0.0, 1.0)
    a = out.ctypes.data
    with pytest.raises(ValueError, match="fit"):
        _engine.fill_shard(a, _engine.F32, _engine.NORMAL, p, 1, 0, (2, 4), (2, 5), (1, 0), 1)
    with pytest.raises(ValueError, match="same length"):
        _engine.fill_shard(a, _engine.F32, _engine.NORMAL, p, 1, 0, (2, 4), (2, 4, 1), (0, 0), 1)
    with pytest.raises(ValueError, match="non-negative"):
        _engine.fill_shard(a, _engine.F32, _engine.NORMAL, p, 1, 0, (2, -4), (2, 4), (0, 0), 1)
    with pytest.raises(ValueError, match="dimensions"):
        _engine.fill_shard(a, _engine.F32, _engine.NORMAL, p, 1, 0, (1,) * 65, (1,) * 65,
                           (0,) * 65, 1)


def test_one_column_shard_memory_stays_near_output_size():
    # issue 12: a one-column shard used to build a 24-byte job row per element (52 MiB)
    kwargs = dict(seed=1, global_shape=(2**20, 1024), start=(0, 5))
    fastinit.normal((4, 1), **kwargs)          # warm-up: imports, caches
    tracemalloc.start()
    try:
        out = fastinit.normal((2**20, 1), **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 2 * out.nbytes, f"peak {peak / 2**20:.1f} MiB for a 4 MiB output"
    head = fastinit.normal((3, 1024), seed=1)
    np.testing.assert_array_equal(out[:3, 0], head[:, 5])


@pytest.mark.parametrize("stream", [0.0, False, 1.0, True])
@pytest.mark.parametrize("seed", [None, 3])
def test_non_integer_stream_refused_with_or_without_seed(seed, stream):
    with pytest.raises(TypeError, match="stream"):
        fastinit.normal(4, seed=seed, stream=stream)
