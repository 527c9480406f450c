/* Philox4x32-10 for 32 consecutive blocks at once with AVX-512 (CPU only).
 * Same construction as philox_avx2.h with 16 lanes: integer-only, so bit-identical to
 * philox.h by construction; tests compare every SIMD path's output. */
#ifndef FASTINIT_PHILOX_AVX512_H
#define FASTINIT_PHILOX_AVX512_H

#include <immintrin.h>
#include "philox.h"

#define FI_MULHILO16(x, m, hi, lo)                                                     \
    do {                                                                               \
        __m512i pe_ = _mm512_mul_epu32((x), (m));                                      \
        __m512i po_ = _mm512_mul_epu32(_mm512_srli_epi64((x), 32), (m));               \
        (hi) = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe_, 32), po_);       \
        (lo) = _mm512_mask_blend_epi32(0xAAAA, pe_, _mm512_slli_epi64(po_, 32));       \
    } while (0)

#define FI_ROUND16(c0, c1, c2, c3, k0, k1)                                             \
    do {                                                                               \
        __m512i h0_, l0_, h1_, l1_;                                                    \
        FI_MULHILO16(c0, m0, h0_, l0_);                                                \
        FI_MULHILO16(c2, m1, h1_, l1_);                                                \
        c0 = _mm512_ternarylogic_epi32(h1_, c1, k0, 0x96); /* a ^ b ^ c */             \
        c1 = l1_;                                                                      \
        c2 = _mm512_ternarylogic_epi32(h0_, c3, k1, 0x96);                             \
        c3 = l0_;                                                                      \
    } while (0)

/* (c0..c3)[lane i] -> words w[4 i + j], i = 0..15: 32-bit then 128-bit transposes */
static inline __attribute__((always_inline, target("avx512f")))
void fi_store_aos16(fi_u32 *w, __m512i c0, __m512i c1, __m512i c2, __m512i c3)
{
    __m512i t0 = _mm512_unpacklo_epi32(c0, c1), t1 = _mm512_unpackhi_epi32(c0, c1);
    __m512i t2 = _mm512_unpacklo_epi32(c2, c3), t3 = _mm512_unpackhi_epi32(c2, c3);
    __m512i u0 = _mm512_unpacklo_epi64(t0, t2);   /* 128-bit lane m: block 4m     */
    __m512i u1 = _mm512_unpackhi_epi64(t0, t2);   /*                 block 4m + 1 */
    __m512i u2 = _mm512_unpacklo_epi64(t1, t3);   /*                 block 4m + 2 */
    __m512i u3 = _mm512_unpackhi_epi64(t1, t3);   /*                 block 4m + 3 */
    __m512i a = _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i b = _mm512_shuffle_i32x4(u2, u3, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i c = _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(3, 2, 3, 2));
    __m512i d = _mm512_shuffle_i32x4(u2, u3, _MM_SHUFFLE(3, 2, 3, 2));
    _mm512_storeu_si512((void *)(w + 0), _mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_storeu_si512((void *)(w + 16), _mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    _mm512_storeu_si512((void *)(w + 32), _mm512_shuffle_i32x4(c, d, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_storeu_si512((void *)(w + 48), _mm512_shuffle_i32x4(c, d, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Blocks lo .. lo + 31 (no carry out of the low counter word) -> 128 words. */
static inline __attribute__((always_inline, target("avx512f")))
void fi_philox32_avx512(fi_u32 *w, fi_u32 lo, fi_u32 hi, fi_u32 s0, fi_u32 s1, fi_u32 k0, fi_u32 k1)
{
    const __m512i m0 = _mm512_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm512_set1_epi32((int)PHILOX_M4x32_1);
    const __m512i w0 = _mm512_set1_epi32((int)PHILOX_W32_0), w1 = _mm512_set1_epi32((int)PHILOX_W32_1);
    __m512i base = _mm512_add_epi32(_mm512_set1_epi32((int)lo),
                                    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512i a0 = base, a1 = _mm512_set1_epi32((int)hi), a2 = _mm512_set1_epi32((int)s0), a3 = _mm512_set1_epi32((int)s1);
    __m512i b0 = _mm512_add_epi32(base, _mm512_set1_epi32(16)), b1 = a1, b2 = a2, b3 = a3;
    __m512i ka = _mm512_set1_epi32((int)k0), kb = _mm512_set1_epi32((int)k1);
    for (int r = 0; r < 10; r++) {
        FI_ROUND16(a0, a1, a2, a3, ka, kb);
        FI_ROUND16(b0, b1, b2, b3, ka, kb);
        ka = _mm512_add_epi32(ka, w0);
        kb = _mm512_add_epi32(kb, w1);
    }
    fi_store_aos16(w, a0, a1, a2, a3);
    fi_store_aos16(w + 64, b0, b1, b2, b3);
}

#endif
