# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Typed entry points into the C engine.  Validation happens in Python before these
are called; here the GIL is released and OpenMP splits the jobs over threads."""
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "engine.h" nogil:
    ctypedef struct fi_params:
        double loc, scale, hi_clamp, lo_clamp
        double pa, d, qb, alpha, beta
    void fi_fill(void *out, int fmt, int dist, const fi_params *p,
                 uint64_t seed, uint64_t stream, uint64_t e0, int64_t n)
    void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n)
    const char *fi_simd_name()
    int fi_set_simd(int level)
    int fi_simd_supported(int level)


def fill(size_t address, int itemsize, int fmt, int dist, params,
         uint64_t seed, uint64_t stream, const int64_t[:, ::1] jobs, int threads):
    """Run each job (out element offset, first logical element, count) into the buffer
    at `address`; jobs never overlap, so threads need no coordination."""
    cdef fi_params p
    p.loc, p.scale, p.hi_clamp, p.lo_clamp, p.pa, p.d, p.qb, p.alpha, p.beta = params
    cdef Py_ssize_t i, nj = jobs.shape[0]
    cdef char *base = <char *>address
    if nj == 0:
        return
    with nogil:
        if threads <= 1 or nj == 1:
            for i in range(nj):
                fi_fill(base + jobs[i, 0] * itemsize, fmt, dist, &p, seed, stream,
                        <uint64_t>jobs[i, 1], jobs[i, 2])
        else:
            for i in prange(nj, num_threads=threads, schedule='dynamic'):
                fi_fill(base + jobs[i, 0] * itemsize, fmt, dist, &p, seed, stream,
                        <uint64_t>jobs[i, 1], jobs[i, 2])


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
