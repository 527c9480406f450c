/* CPU fill engine: the interface _engine.pyx calls without the GIL.  Formats,
 * distributions and fi_params come from contract.h (docs/contract.rst). */
#ifndef FASTINIT_ENGINE_H
#define FASTINIT_ENGINE_H

#include <stdint.h>
#include "contract.h"

/* Elements per job when a fill is split across threads: a multiple of the tile, so
 * split points fall on Philox block boundaries (results never depend on threads). */
#define FI_JOB ((int64_t)1 << 16)
/* Fills smaller than this run on the calling thread: an OpenMP region costs more. */
#define FI_PARALLEL_MIN ((int64_t)1 << 16)
/* No input may ask libgomp for more threads than this (it aborts or crashes). */
#define FI_MAX_THREADS 1024
/* Most dimensions a shard may have (NumPy's limit). */
#define FI_MAX_DIMS 64

/* Fill out[0 .. n) with elements e0 .. e0 + n - 1 of the logical tensor (one thread). */
void fi_fill(void *out, int fmt, int dist, const fi_params *p,
             uint64_t seed, uint64_t stream, uint64_t e0, int64_t n);

/* The same on up to `threads` threads (bounded here, and 1 below FI_PARALLEL_MIN or
 * after fi_set_serial_only(1)). */
void fi_fill_flat(void *out, int fmt, int dist, const fi_params *p,
                  uint64_t seed, uint64_t stream, uint64_t e0, int64_t n, int64_t threads);

/* Fill a C-contiguous buffer of `shape` that is the hyper-rectangle at `start` of the
 * logical tensor `global_shape` (nd dimensions, each start + shape <= global_shape).
 * Runs contiguous in both are found on the fly; nothing is allocated.  Returns 0, or -1
 * if nd exceeds FI_MAX_DIMS. */
int fi_fill_shard(void *out, int fmt, int dist, const fi_params *p,
                  uint64_t seed, uint64_t stream, int nd, const int64_t *shape,
                  const int64_t *global_shape, const int64_t *start, int64_t threads);

/* After fork() GNU libgomp's thread pool is gone but its state says otherwise, and the
 * next parallel region hangs: a forked child sets this and fills serially. */
void fi_set_serial_only(int on);
int fi_serial_only(void);

/* Bytes per element of a format. */
int fi_itemsize(int fmt);

/* Name of parameter i of fi_params (FI_PARAM_LIST order), for Python. */
const char *fi_param_name(int i);

/* Name of distribution / format i (contract.h's FI_DIST_LIST / FI_FMT_LIST), for Python. */
const char *fi_dist_name(int i);
const char *fi_fmt_name(int i);

/* Words start .. start + n - 1 of the stream. */
void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n);

/* Which instruction set fi_fill uses: "generic", "avx2" or "avx512". */
const char *fi_simd_name(void);
/* 0 generic, 1 avx2, 2 avx512; -1 = best this CPU has.  Returns the level set, or -1
 * if the CPU lacks it.  Not thread-safe: set it before filling. */
int fi_set_simd(int level);
int fi_simd_supported(int level);

#endif
