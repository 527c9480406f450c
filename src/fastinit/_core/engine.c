/* CPU engine: tile loops compiled for the baseline ISA and, on x86-64, for AVX2,
 * chosen once at run time.  Both copies share sample.h with the GPU kernels. */
#include "engine.h"
#include "sample.h"

#define FI_FN(name) fi_generic_##name
#include "fill_impl.h"
#undef FI_FN

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FI_HAVE_AVX2_COPY 1
#pragma GCC push_options
#pragma GCC target("avx2")
#include "philox_avx2.h"
#define FI_PHILOX16 fi_philox16_avx2
#define FI_FN(name) fi_avx2_##name
#include "fill_impl.h"
#undef FI_FN
#undef FI_PHILOX16
#pragma GCC pop_options
#endif

typedef void (*fi_fill_fn)(void *, int, int, const fi_params *, fi_u64, fi_u64, fi_u64, fi_i64);

static fi_fill_fn fi_pick(void)
{
#ifdef FI_HAVE_AVX2_COPY
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    if (have) return fi_avx2_fill;
#endif
    return fi_generic_fill;
}

void fi_fill(void *out, int fmt, int dist, const fi_params *p,
             uint64_t seed, uint64_t stream, uint64_t e0, int64_t n)
{
    if (n > 0) fi_pick()(out, fmt, dist, p, seed, stream, e0, n);
}

const char *fi_simd_name(void)
{
#ifdef FI_HAVE_AVX2_COPY
    if (fi_pick() == fi_avx2_fill) return "avx2";
#endif
    return "generic";
}

void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n)
{
    for (int64_t i = 0; i < n;) {
        uint64_t j = start + (uint64_t)i;
        fi_u32 w[4];
        fi_philox_block(seed, stream, j >> 2, w);
        for (unsigned lane = (unsigned)(j & 3); lane < 4 && i < n; lane++, i++) out[i] = w[lane];
    }
}
