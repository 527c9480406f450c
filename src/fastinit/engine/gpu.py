"""GPU backend: CuPy RawModule kernels built at run time from the same C headers as
the CPU engine, so a GPU fill is bit-identical to the CPU one (docs/contract.rst).

The kernels (``engine/kernels.cu``) ``#include "sample.h"`` from the installed package
directory; NVRTC compiles them once per process and device, on first use, with
``--fmad=false`` and its IEEE defaults (``--prec-div=true --prec-sqrt=true
--ftz=false``, no fast-math).  Buffers are filled in place (CuPy arrays and PyTorch
CUDA tensors, zero copies when C-contiguous) on the caller's current stream.

Nothing here imports CuPy or PyTorch at module import time: ``import fastinit.engine.gpu``
works without them and :func:`available` is then False.
"""
import hashlib
import os
import threading

import numpy as np

from ..compat import torch as _torch_compat
from ..core import checks as _checks, host as _host, layout as _layout
from . import _engine

THREADS = 256           # threads per CUDA block (kernels.cu: FI_K_THREADS)
BLOCKS_PER_SM = 64      # grid cap (per multiprocessor); the kernels loop grid-stride

CORE_DIR = os.path.dirname(os.path.abspath(__file__))   # kernels.cu and the headers
KERNEL_FILE = os.path.join(CORE_DIR, "kernels.cu")
HEADERS = ("sample.h", "philox.h", "contract.h", "dists.h")

# code -> name, from contract.h's lists (the kernels are fi_fill_<fmt>_<dist>)
FMT_NAMES = dict(enumerate(_engine.FMT_NAMES))
DIST_NAMES = dict(enumerate(_engine.DIST_NAMES))


def kernel_name(fmt, dist):
    """The ``extern "C"`` name of the kernel for a format and a distribution."""
    return f"fi_fill_{FMT_NAMES[fmt]}_{DIST_NAMES[dist]}"


def compile_options(include_dir=CORE_DIR):
    """NVRTC options: no FMA contraction, C++17, sample.h's directory on the include path.
    prec-div / prec-sqrt / ftz stay at NVRTC's IEEE defaults; never --use_fast_math."""
    return ("--fmad=false", "--std=c++17", f"-I{include_dir}")


def kernel_source(core_dir=CORE_DIR):
    """kernels.cu as read from the package, plus a trailing comment with a hash of the
    headers it includes: CuPy's compile cache keys on the source text, so a changed
    sample.h must change the text or a stale binary would be reused."""
    with open(os.path.join(core_dir, "kernels.cu"), encoding="utf-8") as f:
        src = f.read()
    h = hashlib.sha256()
    for name in HEADERS:
        with open(os.path.join(core_dir, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return src + f"\n// fastinit headers sha256 {h.hexdigest()}\n"


# ---- the job table ----------------------------------------------------------------------
def plan_jobs(jobs, fmt):
    """Work plan for the kernels from `_layout.jobs_for` rows (out offset, e0, count):
    (table, nwork), where table is a C-contiguous int64 array of rows
    (out offset, e0, count, g0) -- runs contiguous in both the buffer and the logical
    tensor merged, g0 the global index of the run's first work item (Philox block) --
    and nwork the total number of work items."""
    jobs = np.asarray(jobs, np.int64).reshape(-1, 3)
    jobs = jobs[jobs[:, 2] > 0]
    if len(jobs) == 0:
        return np.zeros((0, 4), np.int64), 0
    off, e0, cnt = jobs[:, 0], jobs[:, 1], jobs[:, 2]
    starts = np.ones(len(jobs), bool)
    starts[1:] = (off[:-1] + cnt[:-1] != off[1:]) | (e0[:-1] + cnt[:-1] != e0[1:])
    idx = np.flatnonzero(starts)
    off, e0, cnt = off[idx], e0[idx], np.add.reduceat(cnt, idx)
    per = 2 if fmt == _host.F64 else 4       # elements per Philox block
    nblocks = -(-(e0 + cnt) // per) - e0 // per
    g0 = np.zeros(len(idx), np.int64)
    np.cumsum(nblocks[:-1], out=g0[1:])
    table = np.ascontiguousarray(np.stack([off, e0, cnt, g0], axis=1), dtype=np.int64)
    return table, int(nblocks.sum())


def plan(shape, fmt, global_shape=None, start=None):
    """`plan_jobs` for a C-contiguous buffer of `shape` (a shard when global_shape/start)."""
    gshape, gstart = _checks.shard(tuple(shape), global_shape, start)
    return plan_jobs(_layout.jobs_for(tuple(shape), gshape, gstart), fmt)


def kernel_args(out_addr, jobs_addr, table, nwork, seed, stream, params):
    """The argument tuple of every fi_fill_* kernel (see kernels.cu)."""
    njobs = len(table)
    off0, e00, cnt0 = (int(v) for v in table[0, :3]) if njobs else (0, 0, 0)
    return ((np.uint64(out_addr), np.uint64(jobs_addr), np.int64(njobs), np.uint64(nwork),
             np.int64(off0), np.int64(e00), np.int64(cnt0), np.uint64(seed), np.uint64(stream))
            + tuple(np.float64(p) for p in params))


def grid_size(nwork, multiprocessors):
    return max(1, min(-(-nwork // THREADS), BLOCKS_PER_SM * max(1, multiprocessors)))


# ---- CuPy ---------------------------------------------------------------------------------
_lock = threading.Lock()
_available = None
_modules = {}       # device id -> RawModule
_functions = {}     # (device id, fmt, dist) -> RawKernel
_sm_count = {}


def _cupy():
    import cupy
    return cupy


def available():
    """True when CuPy imports and sees at least one CUDA device (cached)."""
    global _available
    if _available is None:
        try:
            cupy = _cupy()
            _available = cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:  # no cupy, no driver, no device, broken install
            _available = False
    return _available


def is_gpu_array(x):
    """A CuPy array or a PyTorch tensor on a CUDA device."""
    from array_api_compat import is_cupy_array, is_torch_array
    if is_cupy_array(x):
        return True
    return bool(is_torch_array(x) and x.device.type == "cuda")


def _function(device_id, fmt, dist):
    key = (device_id, fmt, dist)
    fn = _functions.get(key)
    if fn is None:
        cupy = _cupy()
        with _lock:
            mod = _modules.get(device_id)
            if mod is None:
                mod = cupy.RawModule(code=kernel_source(), options=compile_options())
                _modules[device_id] = mod
            fn = mod.get_function(kernel_name(fmt, dist))   # compiles on first use
            _functions[key] = fn
            if device_id not in _sm_count:
                _sm_count[device_id] = cupy.cuda.Device(device_id).attributes[
                    "MultiProcessorCount"]
    return fn


def _launch(out_addr, fmt, dist, params, seed, stream, table, nwork, device_id):
    """Run the kernel on the current device and CuPy current stream."""
    if nwork == 0:
        return
    cupy = _cupy()
    fn = _function(device_id, fmt, dist)
    jobs_dev = None
    if len(table) > 1:  # one run goes as scalars; several need the table on the device
        jobs_dev = cupy.asarray(table)   # stream-ordered; the pool reuses it only after us
    args = kernel_args(out_addr, 0 if jobs_dev is None else jobs_dev.data.ptr, table, nwork,
                       seed, stream, params)
    fn((grid_size(nwork, _sm_count[device_id]),), (THREADS,), args)


class _StreamRef:
    """A raw cudaStream_t speaking the CUDA stream protocol (for Stream.from_external)."""

    def __init__(self, ptr):
        self.ptr = ptr

    def __cuda_stream__(self):
        return (0, self.ptr)


def _external_stream(cupy, ptr, device_id):
    if ptr == 0:
        return cupy.cuda.Stream.null
    if hasattr(cupy.cuda.Stream, "from_external"):       # CuPy >= 14
        return cupy.cuda.Stream.from_external(_StreamRef(ptr))
    return cupy.cuda.ExternalStream(ptr, device_id)


def _fmt_of_dtype(dtype):
    try:
        return _checks.FORMAT_OF[_checks.dtype(dtype, "the array's dtype")]
    except KeyError:
        raise TypeError(f"GPU fill supports {', '.join(_checks.DTYPE_NAMES)}; got {dtype}") \
            from None


def fill_device(x, req):
    """Fill the CuPy array or torch CUDA tensor `x` in place on its device and return it.

    `req` is the validated :class:`~fastinit.core.request.FillRequest` of the fill (x's
    shape, its place in the logical tensor, the kernel parameters); the kernel runs on the
    caller's current stream (CuPy's, or torch.cuda.current_stream for tensors).  A
    C-contiguous `x` is written directly; another layout is filled through a contiguous
    temporary and copied in (same elements, same bits)."""
    if _fmt_of_dtype(x.dtype) != req.fmt:
        raise TypeError(f"format {FMT_NAMES[req.fmt]} does not match the array's dtype {x.dtype}")
    table, nwork = plan_jobs(_layout.jobs_for(req.shape, req.global_shape, req.start), req.fmt)
    args = (req.dist, req.params, req.fmt, req.seed, req.stream, table, nwork)
    from array_api_compat import is_cupy_array, is_torch_array
    if is_torch_array(x):
        if x.device.type != "cuda":
            raise TypeError(f"fill_device needs a CUDA tensor, got one on {x.device}")
        return _fill_torch(x, *args)
    if is_cupy_array(x):
        return _fill_cupy(x, *args)
    raise TypeError(f"fill_device needs a CuPy array or a torch CUDA tensor, "
                    f"got {type(x).__name__}")


def _fill_cupy(x, dist, params, fmt, seed, stream, table, nwork):
    if x.size == 0:
        return x
    cupy = _cupy()
    with x.device:
        target = x if x.flags.c_contiguous else cupy.empty(x.shape, x.dtype)
        _launch(target.data.ptr, fmt, dist, params, seed, stream, table, nwork, x.device.id)
        if target is not x:
            x[...] = target
    return x


def _fill_torch(x, dist, params, fmt, seed, stream, table, nwork):
    import torch
    if x.numel() == 0:
        return x
    dev = x.device
    device_id = dev.index if dev.index is not None else torch.cuda.current_device()
    cupy = _cupy()
    with cupy.cuda.Device(device_id):
        ts = torch.cuda.current_stream(device_id)
        with _external_stream(cupy, ts.cuda_stream, device_id):
            if x.is_contiguous():
                _launch(x.data_ptr(), fmt, dist, params, seed, stream, table, nwork, device_id)
                target = x
            else:
                target = torch.empty(tuple(x.shape), dtype=x.dtype, device=dev)
                _launch(target.data_ptr(), fmt, dist, params, seed, stream, table, nwork,
                        device_id)
    if target is x:
        # written behind autograd's back: bump the version counter as an in-place op
        # under no_grad would (no grad_fn, a leaf stays a leaf)
        _torch_compat.bump_version(x)
    else:
        with torch.no_grad():
            x.copy_(target)       # on torch's current stream, after the kernel
    return x
