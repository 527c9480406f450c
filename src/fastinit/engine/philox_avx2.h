/* Philox4x32-10 for 16 consecutive blocks at once with AVX2 (CPU only).
 *
 * Pure integer arithmetic, so it is bit-identical to fi_philox4x32_10 in philox.h by
 * construction (tests check it against an independent NumPy Philox).  Auto-vectorised
 * scalar code uses 64-bit lanes for the 32x32->64 products and runs at half this speed.
 * Two 8-block vectors are interleaved to hide the multiply latency. */
#ifndef FASTINIT_PHILOX_AVX2_H
#define FASTINIT_PHILOX_AVX2_H

#include <immintrin.h>
#include "philox.h"

/* hi and lo 32-bit halves of the 8 products m * x (lane-wise, unsigned) */
#define FI_MULHILO8(x, m, hi, lo)                                                      \
    do {                                                                               \
        __m256i pe_ = _mm256_mul_epu32((x), (m));                                      \
        __m256i po_ = _mm256_mul_epu32(_mm256_srli_epi64((x), 32), (m));               \
        (hi) = _mm256_blend_epi32(_mm256_srli_epi64(pe_, 32), po_, 0xAA);              \
        (lo) = _mm256_blend_epi32(pe_, _mm256_slli_epi64(po_, 32), 0xAA);              \
    } while (0)

#define FI_ROUND8(c0, c1, c2, c3, k0, k1)                                              \
    do {                                                                               \
        __m256i h0_, l0_, h1_, l1_;                                                    \
        FI_MULHILO8(c0, m0, h0_, l0_);                                                 \
        FI_MULHILO8(c2, m1, h1_, l1_);                                                 \
        c0 = _mm256_xor_si256(_mm256_xor_si256(h1_, c1), k0);                          \
        c1 = l1_;                                                                      \
        c2 = _mm256_xor_si256(_mm256_xor_si256(h0_, c3), k1);                          \
        c3 = l0_;                                                                      \
    } while (0)

/* 4x8 transpose of (c0..c3)[lane i] into words w[4 i + j], i = 0..7 */
static inline __attribute__((always_inline, target("avx2")))
void fi_store_aos8(fi_u32 *w, __m256i c0, __m256i c1, __m256i c2, __m256i c3)
{
    __m256i t0 = _mm256_unpacklo_epi32(c0, c1);   /* a0 b0 a1 b1 | a4 b4 a5 b5 */
    __m256i t1 = _mm256_unpackhi_epi32(c0, c1);   /* a2 b2 a3 b3 | a6 b6 a7 b7 */
    __m256i t2 = _mm256_unpacklo_epi32(c2, c3);
    __m256i t3 = _mm256_unpackhi_epi32(c2, c3);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2);   /* blk0 | blk4 */
    __m256i u1 = _mm256_unpackhi_epi64(t0, t2);   /* blk1 | blk5 */
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3);   /* blk2 | blk6 */
    __m256i u3 = _mm256_unpackhi_epi64(t1, t3);   /* blk3 | blk7 */
    _mm256_storeu_si256((__m256i *)(w + 0), _mm256_permute2x128_si256(u0, u1, 0x20));
    _mm256_storeu_si256((__m256i *)(w + 8), _mm256_permute2x128_si256(u2, u3, 0x20));
    _mm256_storeu_si256((__m256i *)(w + 16), _mm256_permute2x128_si256(u0, u1, 0x31));
    _mm256_storeu_si256((__m256i *)(w + 24), _mm256_permute2x128_si256(u2, u3, 0x31));
}

/* Blocks lo .. lo + 15 (low counter word; caller guarantees no carry), high counter
 * word hi, stream words s0 s1, key k0 k1 -> 64 words in stream order. */
static inline __attribute__((always_inline, target("avx2")))
void fi_philox16_avx2(fi_u32 *w, fi_u32 lo, fi_u32 hi, fi_u32 s0, fi_u32 s1, fi_u32 k0, fi_u32 k1)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm256_set1_epi32((int)PHILOX_M4x32_1);
    const __m256i w0 = _mm256_set1_epi32((int)PHILOX_W32_0), w1 = _mm256_set1_epi32((int)PHILOX_W32_1);
    __m256i base = _mm256_add_epi32(_mm256_set1_epi32((int)lo), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i a0 = base, a1 = _mm256_set1_epi32((int)hi), a2 = _mm256_set1_epi32((int)s0), a3 = _mm256_set1_epi32((int)s1);
    __m256i b0 = _mm256_add_epi32(base, _mm256_set1_epi32(8)), b1 = a1, b2 = a2, b3 = a3;
    __m256i ka = _mm256_set1_epi32((int)k0), kb = _mm256_set1_epi32((int)k1);
    for (int r = 0; r < 10; r++) {
        FI_ROUND8(a0, a1, a2, a3, ka, kb);
        FI_ROUND8(b0, b1, b2, b3, ka, kb);
        ka = _mm256_add_epi32(ka, w0);
        kb = _mm256_add_epi32(kb, w1);
    }
    fi_store_aos8(w, a0, a1, a2, a3);
    fi_store_aos8(w + 32, b0, b1, b2, b3);
}

#endif
