"""GPU backend (fastinit.engine.gpu) on a real device: bit-identical to the CPU engine for every
distribution x dtype, size and shard; in place with zero copies; on the caller's stream;
autograd untouched.  Skipped when CuPy or a CUDA device is missing.
(tests/test_gpu_kernel_emulation.py checks the kernel source without a GPU.)"""
import numpy as np
import pytest

import fastinit
from fastinit.core import checks as _checks
from fastinit.engine import gpu as _gpu
from fastinit.core.request import UNIFORM, make_request


def _cupy_or_skip():
    try:
        import cupy
    except Exception as e:  # ImportError, or a broken install raising something else
        pytest.skip(f"CuPy is not importable ({type(e).__name__}: {e})")
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        pytest.skip(f"no usable CUDA device ({type(e).__name__}: {e})")
    if n == 0:
        pytest.skip("no CUDA device")
    return cupy


@pytest.fixture(scope="module")
def cp():
    return _cupy_or_skip()


@pytest.fixture(scope="module")
def torch_cuda(cp):
    try:
        import torch
    except Exception as e:
        pytest.skip(f"torch is not importable ({type(e).__name__}: {e})")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    return torch


CPU_FN = {"uniform": fastinit.uniform_, "normal": fastinit.normal_,
          "truncated": fastinit.truncated_normal_}
ARGS = {
    "uniform": [(0.0, 1.0), (-3.0, 5.5), (2.0, 2.0), (0.1, 0.10000001)],
    "normal": [(0.0, 1.0), (1.5, 0.02), (-2.0, 0.0)],
    "truncated": [(0.0, 1.0, -2.0, 2.0), (0.5, 0.3, -np.inf, 0.4), (0.0, 1.0, 5.0, 8.0),
                  (1.0, 2.0, -9.0, -3.0)],
}
CUPY_DTYPES = ["float32", "float64", "float16"]   # CuPy has no bfloat16 (torch covers it)


def _bits(a):
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def gpu_fill(x, dtype, dist, args, **kw):
    return CPU_FN[dist](x, *args, **kw)     # the public API routes GPU arrays to _gpu


def cpu_ref(shape, dtype, dist, args, threads=1, **kw):
    out = np.empty(shape, _checks.dtype(dtype))
    return CPU_FN[dist](out, *args, threads=threads, **kw)


def assert_same(cp, x, shape, dtype, dist, args, **kw):
    from array_api_compat import is_torch_array
    got = _torch_to_numpy(x) if is_torch_array(x) else cp.asnumpy(x)
    for threads in (1, None):
        ref = cpu_ref(shape, dtype, dist, args, threads=threads, **kw)
        np.testing.assert_array_equal(_bits(got), _bits(ref),
                                      err_msg=f"{dtype} {dist} {args} {shape} {kw}")


def _torch_to_numpy(t):
    import torch
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).cpu().numpy().view(_checks.dtype("bfloat16"))
    return t.cpu().numpy()


def test_available_and_detection(cp):
    assert _gpu.available()
    assert _gpu.is_gpu_array(cp.zeros(3))
    assert not _gpu.is_gpu_array(np.zeros(3))


@pytest.mark.parametrize("dtype", CUPY_DTYPES)
@pytest.mark.parametrize("dist", list(CPU_FN))
def test_cupy_bitwise_equal_to_cpu(cp, dtype, dist):
    rng = np.random.default_rng(len(dtype) * 7 + len(dist))
    sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 1000, 65537, 300001] + \
        [int(v) for v in rng.integers(1, 5000, 6)]
    for n in sizes:
        for args in ARGS[dist]:
            if dtype == "float16" and args == (0.1, 0.10000001):
                args = (0.1, 0.1002)   # holds no float16 value: refused (issue 12)
            seed = int(rng.integers(0, 2**64, dtype=np.uint64))
            stream = int(rng.integers(0, 2**64, dtype=np.uint64))
            x = cp.empty(n, dtype)
            assert gpu_fill(x, dtype, dist, args, seed=seed, stream=stream) is x
            assert_same(cp, x, (n,), dtype, dist, args, seed=seed, stream=stream)


@pytest.mark.parametrize("dtype", CUPY_DTYPES)
@pytest.mark.parametrize("dist", list(CPU_FN))
def test_cupy_shards_and_layouts(cp, dtype, dist):
    args = ARGS[dist][0]
    cases = [((4, 5), (7, 9), (2, 3)), ((7, 1), (7, 9), (0, 8)), ((3, 9), (7, 9), (1, 0)),
             ((2, 3, 4), (5, 6, 7), (1, 2, 3)), ((2, 1, 5), (3, 4, 11), (1, 3, 5)),
             ((300, 301), (1000, 1000), (17, 3)), ((3,), (10,), (7,))]
    for shape, gshape, start in cases:
        kw = dict(seed=3, stream=9, global_shape=gshape, start=start)
        n = int(np.prod(shape))
        for pad in (0, 1, 2, 3):        # misaligned starts take the element-store path
            base = cp.full(n + pad + 4, 7, dtype)
            x = base[pad:pad + n].reshape(shape)
            gpu_fill(x, dtype, dist, args, **kw)
            assert_same(cp, x, shape, dtype, dist, args, **kw)
            rest = cp.asnumpy(cp.concatenate([base[:pad], base[pad + n:]]))
            assert (rest == 7).all(), "wrote outside the array"
    # non-contiguous: filled through a temporary, same as the CPU's strided path
    x = cp.zeros((10, 12), dtype)[:, ::2]
    gpu_fill(x, dtype, dist, args, seed=5)
    assert_same(cp, x, (10, 6), dtype, dist, args, seed=5)


def test_cupy_current_stream_and_seed_none(cp):
    s = cp.cuda.Stream(non_blocking=True)
    with s:
        x = cp.empty(100003, "float32")
        gpu_fill(x, "float32", "normal", (0.0, 1.0), seed=11, stream=2)
    s.synchronize()
    assert_same(cp, x, (100003,), "float32", "normal", (0.0, 1.0), seed=11, stream=2)
    fastinit.seed(123)
    x = cp.empty(1001, "float64")
    gpu_fill(x, "float64", "uniform", (0.0, 1.0), seed=None, stream=0)
    fastinit.seed(123)
    assert_same(cp, x, (1001,), "float64", "uniform", (0.0, 1.0), seed=None)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("dist", list(CPU_FN))
def test_torch_in_place(torch_cuda, cp, dtype, dist):
    torch = torch_cuda
    tdt = getattr(torch, dtype)
    args = ARGS[dist][1]
    p = torch.nn.Parameter(torch.empty(300, 7, dtype=tdt, device="cuda"))
    ptr, version = p.data_ptr(), p._version
    assert gpu_fill(p, dtype, dist, args, seed=8, stream=1) is p
    assert p.data_ptr() == ptr and p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._version > version
    assert_same(cp, p, (300, 7), dtype, dist, args, seed=8, stream=1)
    # a shard, and a non-contiguous view (through a temporary, copied in place)
    t = torch.empty(4, 5, dtype=tdt, device="cuda")
    gpu_fill(t, dtype, dist, args, seed=8, stream=1, global_shape=(7, 9), start=(2, 3))
    assert_same(cp, t, (4, 5), dtype, dist, args, seed=8, stream=1, global_shape=(7, 9),
                start=(2, 3))
    big = torch.zeros(6, 10, dtype=tdt, device="cuda")
    v = big.t()[::2]
    gpu_fill(v, dtype, dist, args, seed=4)
    assert_same(cp, v, tuple(v.shape), dtype, dist, args, seed=4)


def test_torch_runs_on_current_stream(torch_cuda, cp):
    """Captured into a CUDA graph on a side stream: a launch on any other stream would
    either fail during capture or leave x unfilled at replay."""
    torch = torch_cuda
    x = torch.zeros(1 << 20, device="cuda")
    gpu_fill(x, "float32", "uniform", (0.0, 1.0), seed=1)     # compile and warm up
    torch.cuda.synchronize()
    x.zero_()
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        gpu_fill(x, "float32", "uniform", (0.0, 1.0), seed=1)
    torch.cuda.synchronize()
    assert int(torch.count_nonzero(x)) == 0     # captured, not run
    g.replay()
    torch.cuda.synchronize()
    assert_same(cp, x, (1 << 20,), "float32", "uniform", (0.0, 1.0), seed=1)
    if hasattr(torch.cuda, "_sleep"):
        s = torch.cuda.Stream()
        y = torch.zeros(1 << 20, device="cuda")
        torch.cuda.synchronize()
        with torch.cuda.stream(s):
            torch.cuda._sleep(200_000_000)
            gpu_fill(y, "float32", "normal", (0.0, 1.0), seed=2)
            done = s.query()
        assert not done                       # queued behind the sleep on s
        s.synchronize()
        assert_same(cp, y, (1 << 20,), "float32", "normal", (0.0, 1.0), seed=2)


def test_more_than_2_31_elements(cp):
    n = 2**31 + 3
    free, _ = cp.cuda.Device().mem_info
    if free < 2 * n * 2 + (1 << 30):
        pytest.skip(f"needs ~{2 * n * 2 >> 30} GiB of free GPU memory")
    x = cp.empty(n, "float16")
    gpu_fill(x, "float16", "normal", (0.0, 1.0), seed=77, stream=5)
    for first, count in ((0, 4099), (2**31 - 2050, 4101), (n - 1001, 1001)):
        got = cp.asnumpy(x[first:first + count])
        ref = cpu_ref((count,), "float16", "normal", (0.0, 1.0), seed=77, stream=5,
                      global_shape=(n,), start=(first,))
        np.testing.assert_array_equal(_bits(got), _bits(ref))
    del x
    cp.get_default_memory_pool().free_all_blocks()
    free, _ = cp.cuda.Device().mem_info
    if free < n * 4 + (1 << 30):
        pytest.skip("not enough GPU memory for the float32 case")
    x = cp.empty(n, "float32")      # 8 GiB: 64-bit byte offsets as well
    gpu_fill(x, "float32", "truncated", (0.0, 1.0, -2.0, 2.0), seed=78)
    for first, count in ((2**31 - 5, 10), (n - 7, 7)):
        got = cp.asnumpy(x[first:first + count])
        ref = cpu_ref((count,), "float32", "truncated", (0.0, 1.0, -2.0, 2.0), seed=78,
                      global_shape=(n,), start=(first,))
        np.testing.assert_array_equal(_bits(got), _bits(ref))


def test_errors(cp):
    x = cp.empty(4, "float32")
    req64 = make_request(UNIFORM, (0, 1), np.dtype("float64"), (4,), seed=0, stream=0)
    with pytest.raises(TypeError):                 # a request for another dtype
        _gpu.fill_device(x, req64)
    req32 = make_request(UNIFORM, (0, 1), np.dtype("float32"), (4,), seed=0, stream=0)
    with pytest.raises(TypeError):                 # not a GPU array
        _gpu.fill_device(np.empty(4, np.float32), req32)


def test_bench_module():
    from fastinit.tools.bench import gpu as _bench_gpu
    if not _gpu.available():
        with pytest.raises(RuntimeError, match="CUDA benchmark needs"):
            _bench_gpu.run(numel=1024, repeat=1)
        return
    rows, text = _bench_gpu.run(numel=1 << 16, repeat=1)
    assert rows[0]["frac_of_fill"] == 1.0 and "fastinit" in text
    assert {r["op"] for r in rows if r["library"] == "fastinit"} == \
        {"uniform_", "normal_", "truncated_normal_"}
