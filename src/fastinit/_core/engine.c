/* CPU engine: tile loops compiled for the baseline ISA and, on x86-64, for AVX2 and
 * AVX-512, chosen once at run time.  Every copy shares sample.h with the GPU kernels. */
#include "engine.h"
#include "sample.h"

#define FI_FN(name) fi_generic_##name
#include "fill_impl.h"
#undef FI_FN

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FI_HAVE_X86_COPIES 1
#pragma GCC push_options
#pragma GCC target("avx2")
#include "philox_avx2.h"
#define FI_PHILOX_WIDE fi_philox16_avx2
#define FI_PHILOX_N 16
#define FI_FN(name) fi_avx2_##name
#include "fill_impl.h"
#undef FI_FN
#undef FI_PHILOX_WIDE
#undef FI_PHILOX_N
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq")
#include "philox_avx512.h"
#define FI_PHILOX_WIDE fi_philox32_avx512
#define FI_PHILOX_N 32
#define FI_FN(name) fi_avx512_##name
#include "fill_impl.h"
#undef FI_FN
#undef FI_PHILOX_WIDE
#undef FI_PHILOX_N
#pragma GCC pop_options
#endif

typedef void (*fi_fill_fn)(void *, int, int, const fi_params *, fi_u64, fi_u64, fi_u64, fi_i64);

/* SIMD paths, widest last; every one gives the same bits (tests compare them). */
enum { FI_SIMD_GENERIC = 0, FI_SIMD_AVX2 = 1, FI_SIMD_AVX512 = 2 };
static const char *const fi_simd_names[] = {"generic", "avx2", "avx512"};
static int fi_simd = -1;

int fi_simd_supported(int level)
{
#ifdef FI_HAVE_X86_COPIES
    __builtin_cpu_init();
    if (level == FI_SIMD_AVX2) return __builtin_cpu_supports("avx2");
    if (level == FI_SIMD_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
               && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
    return level == FI_SIMD_GENERIC;
}

int fi_set_simd(int level)
{
    if (level < 0) {  /* best available */
        level = FI_SIMD_GENERIC;
        for (int l = FI_SIMD_AVX512; l > FI_SIMD_GENERIC; l--)
            if (fi_simd_supported(l)) { level = l; break; }
    }
    if (level > FI_SIMD_AVX512 || !fi_simd_supported(level)) return -1;
    fi_simd = level;
    return level;
}

static fi_fill_fn fi_pick(void)
{
    if (fi_simd < 0) fi_set_simd(-1);
#ifdef FI_HAVE_X86_COPIES
    if (fi_simd == FI_SIMD_AVX512) return fi_avx512_fill;
    if (fi_simd == FI_SIMD_AVX2) return fi_avx2_fill;
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
    fi_pick();
    return fi_simd_names[fi_simd];
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
