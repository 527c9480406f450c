/* CPU fill engine: the interface _engine.pyx calls without the GIL. */
#ifndef FASTINIT_ENGINE_H
#define FASTINIT_ENGINE_H

#include <stdint.h>

enum { FI_UNIFORM = 0, FI_NORMAL = 1, FI_TRUNCATED = 2 };
enum { FI_F32 = 0, FI_F64 = 1, FI_F16 = 2, FI_BF16 = 3 };

/* Host-computed constants (design.md: kernels never recompute them).
 * uniform:   loc = low, scale = float(high - low), hi_clamp = largest value below high
 * normal:    loc = mean, scale = std
 * truncated: loc, scale, pa = Phi(alpha), d = Phi(beta) - Phi(alpha), qb = 1 - Phi(beta),
 *            alpha, beta, lo_clamp / hi_clamp = the output dtype's values inside [a, b] */
typedef struct fi_params {
    double loc, scale, hi_clamp, lo_clamp;
    double pa, d, qb, alpha, beta;
} fi_params;

/* Fill out[0 .. n) with elements e0 .. e0 + n - 1 of the logical tensor. */
void fi_fill(void *out, int fmt, int dist, const fi_params *p,
             uint64_t seed, uint64_t stream, uint64_t e0, int64_t n);

/* Words start .. start + n - 1 of the stream. */
void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n);

/* Which instruction set fi_fill uses: "generic", "avx2" or "avx512". */
const char *fi_simd_name(void);
/* 0 generic, 1 avx2, 2 avx512; -1 = best this CPU has.  Returns the level set, or -1
 * if the CPU lacks it.  Not thread-safe: set it before filling. */
int fi_set_simd(int level);
int fi_simd_supported(int level);

#endif
