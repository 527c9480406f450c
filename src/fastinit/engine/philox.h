/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11), exactly as in Random123.
 *
 * This one text is compiled as C by the CPU build and as CUDA by NVRTC for the GPU
 * kernels, so every definition here must be valid in both (FI_INLINE picks the
 * qualifiers).  Known answers: tests/data/philox_known_answers.json (Random123's
 * kat_vectors), checked by tests/core/test_philox.py.
 */
#ifndef FASTINIT_PHILOX_H
#define FASTINIT_PHILOX_H

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define FI_INLINE static __device__ __forceinline__
typedef unsigned int fi_u32;
typedef int fi_i32;
typedef unsigned long long fi_u64;
typedef long long fi_i64;
typedef unsigned short fi_u16;
#else
#include <stdint.h>
/* always_inline: the AVX2 copy of the fill loops must inline these to vectorise them */
#define FI_INLINE static inline __attribute__((always_inline))
typedef uint32_t fi_u32;
typedef int32_t fi_i32;
typedef uint64_t fi_u64;
typedef int64_t fi_i64;
typedef uint16_t fi_u16;
#endif

/* Random123's names (philox.h there): round multipliers and Weyl key increments
 * (golden ratio and sqrt(3) - 1, as 32-bit fractions). */
#define PHILOX_M4x32_0 0xD2511F53u
#define PHILOX_M4x32_1 0xCD9E8D57u
#define PHILOX_W32_0 0x9E3779B9u
#define PHILOX_W32_1 0xBB67AE85u

/* One round; the key schedule is bumped by the caller between rounds. */
#define FI_PHILOX_ROUND(c0, c1, c2, c3, k0, k1)                  \
    do {                                                         \
        fi_u64 p0_ = (fi_u64)PHILOX_M4x32_0 * (fi_u64)(c0);        \
        fi_u64 p1_ = (fi_u64)PHILOX_M4x32_1 * (fi_u64)(c2);        \
        fi_u32 t0_ = (fi_u32)(p1_ >> 32) ^ (c1) ^ (k0);          \
        fi_u32 t2_ = (fi_u32)(p0_ >> 32) ^ (c3) ^ (k1);          \
        (c1) = (fi_u32)p1_;                                      \
        (c3) = (fi_u32)p0_;                                      \
        (c0) = t0_;                                              \
        (c2) = t2_;                                              \
    } while (0)

/* Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1), in place. */
FI_INLINE void fi_philox4x32_10(fi_u32 *c0, fi_u32 *c1, fi_u32 *c2, fi_u32 *c3,
                                fi_u32 k0, fi_u32 k1)
{
    fi_u32 a = *c0, b = *c1, c = *c2, d = *c3;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1); k0 += PHILOX_W32_0; k1 += PHILOX_W32_1;
    FI_PHILOX_ROUND(a, b, c, d, k0, k1);
    *c0 = a; *c1 = b; *c2 = c; *c3 = d;
}

/* The four words of block `b` of stream `stream` under `seed` (docs/contract.rst):
 * counter = (b lo, b hi, stream lo, stream hi), key = (seed lo, seed hi). */
FI_INLINE void fi_philox_block(fi_u64 seed, fi_u64 stream, fi_u64 b, fi_u32 w[4])
{
    fi_u32 c0 = (fi_u32)b, c1 = (fi_u32)(b >> 32);
    fi_u32 c2 = (fi_u32)stream, c3 = (fi_u32)(stream >> 32);
    fi_philox4x32_10(&c0, &c1, &c2, &c3, (fi_u32)seed, (fi_u32)(seed >> 32));
    w[0] = c0; w[1] = c1; w[2] = c2; w[3] = c3;
}

#endif /* FASTINIT_PHILOX_H */
