# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Typed entry points into the C engine, and the contract's constants (contract.h).
Validation happens in Python before these are called; here only what would crash or
corrupt memory is checked, the GIL is released and OpenMP splits the work."""
import os as _os

from cpython.tuple cimport PyTuple_Check, PyTuple_GET_SIZE, PyTuple_GET_ITEM
from cpython.float cimport PyFloat_AsDouble
from libc.stdint cimport uint32_t, uint64_t, int64_t
cimport numpy as cnp

cnp.import_array()

cdef extern from "contract.h" nogil:
    # opaque here: the engine reads it as FI_NPARAMS doubles (engine.c checks the size)
    ctypedef struct fi_params:
        pass
    enum:
        FI_NFORMATS, FI_NDISTS, FI_NPARAMS

cdef extern from "engine.h" nogil:
    enum:
        FI_MAX_DIMS, FI_MAX_THREADS, FI_PARALLEL_MIN
    void fi_fill_flat(void *out, int fmt, int dist, const fi_params *p,
                      uint64_t seed, uint64_t stream, uint64_t e0, int64_t n, int64_t threads)
    int fi_fill_shard(void *out, int fmt, int dist, const fi_params *p,
                      uint64_t seed, uint64_t stream, int nd, const int64_t *shape,
                      const int64_t *global_shape, const int64_t *start, int64_t threads)
    void fi_set_serial_only(int on)
    int fi_serial_only()
    int fi_itemsize(int fmt)
    const char *fi_param_name(int i)
    const char *fi_dist_name(int i)
    const char *fi_fmt_name(int i)
    void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n)
    const char *fi_simd_name()
    int fi_set_simd(int level)
    int fi_simd_supported(int level)

# The contract's constants (contract.h), for the Python layers: nothing restates them.
# Formats and distributions come from its X-macro lists: FMT_NAMES ("f32", ...) and
# DIST_NAMES ("uniform", ...) by code, and each code as a module constant named in upper
# case (F32, F64, F16, BF16; UNIFORM, NORMAL, TRUNCATED, ...).
FMT_NAMES = tuple(fi_fmt_name(i).decode() for i in range(FI_NFORMATS))
DIST_NAMES = tuple(fi_dist_name(i).decode() for i in range(FI_NDISTS))
globals().update({n.upper(): i for i, n in enumerate(FMT_NAMES)})
globals().update({n.upper(): i for i, n in enumerate(DIST_NAMES)})
PARAM_FIELDS = tuple(fi_param_name(i).decode() for i in range(FI_NPARAMS))
MAX_THREADS = FI_MAX_THREADS
MAX_DIMS = FI_MAX_DIMS
PARALLEL_MIN = FI_PARALLEL_MIN


cdef int _unpack(params, double *p) except -1:
    """The kernel parameter tuple (PARAM_FIELDS order) into p[0 .. FI_NPARAMS)."""
    cdef Py_ssize_t i
    if PyTuple_Check(params) and PyTuple_GET_SIZE(params) == FI_NPARAMS:
        for i in range(FI_NPARAMS):
            p[i] = PyFloat_AsDouble(<object>PyTuple_GET_ITEM(params, i))
        return 0
    params = tuple(params)
    if len(params) != FI_NPARAMS:
        raise ValueError(f"params must have {FI_NPARAMS} entries {PARAM_FIELDS}, "
                         f"got {len(params)}")
    return _unpack(params, p)


cdef inline int _check_kind(int fmt, int dist) except -1:
    if fmt < 0 or fmt >= FI_NFORMATS:
        raise ValueError(f"fmt must be one of {', '.join(n.upper() for n in FMT_NAMES)} "
                         f"(0..{FI_NFORMATS - 1}), got {fmt}")
    if dist < 0 or dist >= FI_NDISTS:
        raise ValueError(f"dist must be one of {', '.join(n.upper() for n in DIST_NAMES)} "
                         f"(0..{FI_NDISTS - 1}), got {dist}")
    return 0


def fill_flat(size_t address, int fmt, int dist, params, uint64_t seed, uint64_t stream,
              uint64_t e0, int64_t n, int64_t threads):
    """Fill n elements of the C-contiguous buffer at `address` with logical elements
    e0 .. e0 + n - 1.  Splits the work over up to `threads` OpenMP threads itself
    (bounded; serial when n is small): the bits never depend on it."""
    cdef double p[FI_NPARAMS]
    _check_kind(fmt, dist)
    _unpack(params, p)
    if n <= 0:
        return
    if n < 16384:  # a few microseconds: not worth releasing the GIL
        fi_fill_flat(<void *>address, fmt, dist, <const fi_params *>p, seed, stream, e0, n, 1)
        return
    with nogil:
        fi_fill_flat(<void *>address, fmt, dist, <const fi_params *>p, seed, stream, e0, n,
                     threads)


cdef int _dims(seq, int64_t *out, str name) except -1:
    cdef Py_ssize_t j, nd = len(seq)
    if nd > FI_MAX_DIMS:
        raise ValueError(f"{name} has {nd} dimensions; at most {FI_MAX_DIMS} are supported")
    for j in range(nd):
        out[j] = seq[j]
        if out[j] < 0:
            raise ValueError(f"{name} entries must be non-negative, got {tuple(seq)!r}")
    return nd


def fill_shard(size_t address, int fmt, int dist, params, uint64_t seed, uint64_t stream,
               shape, global_shape, start, int64_t threads):
    """Fill the C-contiguous buffer at `address`, of `shape`, with the hyper-rectangle
    at `start` of the logical tensor `global_shape`.  The runs contiguous in both are
    walked in C (no table): memory use is independent of the shard's layout."""
    cdef double p[FI_NPARAMS]
    cdef int64_t sh[FI_MAX_DIMS]
    cdef int64_t gs[FI_MAX_DIMS]
    cdef int64_t st[FI_MAX_DIMS]
    cdef int nd, j, rc
    _check_kind(fmt, dist)
    _unpack(params, p)
    nd = _dims(shape, sh, "shape")
    if _dims(global_shape, gs, "global_shape") != nd or _dims(start, st, "start") != nd:
        raise ValueError(f"shape {tuple(shape)}, global_shape {tuple(global_shape)} and "
                         f"start {tuple(start)} must have the same length")
    for j in range(nd):
        if st[j] + sh[j] > gs[j]:
            raise ValueError(f"shape {tuple(shape)} at start {tuple(start)} does not fit "
                             f"inside global_shape {tuple(global_shape)}")
    with nogil:
        rc = fi_fill_shard(<void *>address, fmt, dist, <const fi_params *>p, seed, stream,
                           nd, sh, gs, st, threads)
    if rc:
        raise ValueError("fill_shard: bad dimensions")


def itemsize(int fmt):
    """Bytes per element of format `fmt`."""
    _check_kind(fmt, 0)
    return fi_itemsize(fmt)


def forked_serial():
    """True in a process forked from one that had loaded the engine: GNU libgomp's
    thread pool does not survive fork(), so such a child fills on one thread."""
    return bool(fi_serial_only())


def _after_fork_in_child():
    fi_set_serial_only(1)


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


def random_raw(uint32_t[::1] out, uint64_t seed, uint64_t stream, uint64_t start):
    with nogil:
        fi_random_raw(&out[0] if out.shape[0] else NULL, seed, stream, start, out.shape[0])


SIMD_LEVELS = ("generic", "avx2", "avx512")


def simd_name():
    """The instruction set the fill loops use now."""
    return fi_simd_name().decode()


def simd_available():
    """The instruction sets this CPU can run, narrowest first."""
    return tuple(n for i, n in enumerate(SIMD_LEVELS) if fi_simd_supported(i))


def set_simd(name=None):
    """Force a SIMD path ("generic", "avx2", "avx512"; None = the best available).
    Every path gives the same bits; this exists for tests and benchmarks."""
    if name is None:
        return SIMD_LEVELS[fi_set_simd(-1)]
    if name not in SIMD_LEVELS:
        raise ValueError(f"simd must be one of {', '.join(SIMD_LEVELS)} or None, got {name!r}")
    if fi_set_simd(SIMD_LEVELS.index(name)) < 0:
        raise ValueError(f"this CPU cannot run the {name} path (available: "
                         f"{', '.join(simd_available())})")
    return name


cdef extern from *:
    """
    #ifdef _OPENMP
    #define FI_OPENMP 1
    #else
    #define FI_OPENMP 0
    #endif
    """
    int FI_OPENMP


def openmp_enabled():
    """Whether this build was compiled with OpenMP (threads > 1 only helps if so)."""
    return bool(FI_OPENMP)


cdef extern from "philox.h" nogil:
    void fi_philox4x32_10(uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3,
                          uint32_t k0, uint32_t k1)


def philox4x32_10(counter, key):
    """The bare bijection, for known-answer tests: 4 counter words, 2 key words."""
    cdef uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3]
    fi_philox4x32_10(&c0, &c1, &c2, &c3, key[0], key[1])
    return (c0, c1, c2, c3)


def address(cnp.ndarray a):
    """The data pointer of a NumPy array: the per-call cost of small fills is mostly
    Python, and ``a.__array_interface__`` alone builds a dict (about 3 us)."""
    return <size_t>cnp.PyArray_DATA(a)
