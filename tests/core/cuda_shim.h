/* Host emulation of the CUDA subset fastinit/engine/kernels.cu uses, so the kernel
 * source -- and, through it, the CUDA branch of sample.h / philox.h -- can be compiled
 * by the host C++ compiler (g++ -ffp-contract=off, no fast-math) and run serially over
 * the grid (tests/test_gpu_kernel_emulation.py).
 *
 * sample.h picks its CUDA branch on __CUDACC__ / __CUDACC_RTC__; we define
 * __CUDACC_RTC__ (what NVRTC, the production compiler, defines) after the standard
 * headers are in, and provide the intrinsics that branch calls, with their exact IEEE
 * semantics: bit casts by memcpy, __fsqrt_rn / __dsqrt_rn by std::sqrt (correctly
 * rounded, as IEEE 754 requires and SSE/AVX/NEON implement).
 *
 * Wide stores (__stwb) check the alignment CUDA requires and count themselves, so the
 * tests can prove both that the vector path runs and that it never runs misaligned.
 */
#ifndef FASTINIT_TESTS_CUDA_SHIM_H
#define FASTINIT_TESTS_CUDA_SHIM_H

#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __FAST_MATH__
#error "compile the emulation without fast-math"
#endif

#define __CUDACC_RTC__ 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)

struct fi_emu_dim3 { unsigned int x, y, z; };
static fi_emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) double2 { double x, y; };
struct alignas(8) uint2 { unsigned int x, y; };

static inline unsigned int __float_as_uint(float x) { unsigned int u; std::memcpy(&u, &x, 4); return u; }
static inline float __uint_as_float(unsigned int u) { float x; std::memcpy(&x, &u, 4); return x; }
static inline long long __double_as_longlong(double x) { long long u; std::memcpy(&u, &x, 8); return u; }
static inline double __longlong_as_double(long long u) { double x; std::memcpy(&x, &u, 8); return x; }
static inline float __fsqrt_rn(float x) { return std::sqrt(x); }
static inline double __dsqrt_rn(double x) { return std::sqrt(x); }

/* counters: [0] wide stores, [1] misaligned wide stores */
static long long fi_emu_counters[2];

template <class T>
static inline void __stwb(T *p, T v)
{
    fi_emu_counters[0]++;
    if ((uintptr_t)p % alignof(T) != 0) fi_emu_counters[1]++;
    std::memcpy((void *)p, &v, sizeof(T));
}

/* kernel<<<grid, block>>>(args...), one thread at a time */
template <class... P, class... A>
static void fi_emu_launch(void (*kernel)(P...), unsigned int grid, unsigned int block, A... args)
{
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned int b = 0; b < grid; b++) {
        blockIdx = {b, 0, 0};
        for (unsigned int t = 0; t < block; t++) {
            threadIdx = {t, 0, 0};
            kernel(args...);
        }
    }
}

#endif /* FASTINIT_TESTS_CUDA_SHIM_H */
