/* GPU fill kernels: uniform / normal / truncated normal into float32, float64, float16
 * and bfloat16 buffers, bit-identical to the CPU engine: both call sample.h's
 * transforms and per-element step (fi_affine_*, fi_clamp_*, fi_round16).
 *
 * Compiled at run time by NVRTC through CuPy (fastinit/engine/gpu.py) with --fmad=false and
 * NVRTC's IEEE defaults (prec-div, prec-sqrt, no ftz), from this file and the very
 * sample.h / philox.h the CPU build compiles: all sampling math lives there, this file
 * only maps threads to Philox blocks and stores the results.
 *
 * Work decomposition.  The host (fastinit/engine/gpu.py::plan) turns the buffer into jobs,
 * runs that are contiguous both in the buffer and in the logical tensor: rows
 * (out offset, first logical element e0, count, g0) of int64, where g0 is the index of
 * the job's first work item.  One work item = one Philox block = 4 elements of a
 * 32-bit-or-smaller output (words 4b..4b+3 -> elements 4b..4b+3; normal pairs
 * (4b, 4b+1), (4b+2, 4b+3)) or 2 elements of a float64 output (block b -> elements
 * 2b, 2b+1).  Job j's items are the blocks floor(e0/A) .. ceil((e0+count)/A) - 1
 * (A = elements per block) and have global indices g0_j, g0_j + 1, ...  Each thread
 * takes items g = tid, tid + nthreads, ... (grid-stride, 64-bit), finds the item's job
 * by binary search over g0 (kept while consecutive items stay in the same job),
 * generates the block, computes all its elements exactly as tile_f32 / tile_f64 do,
 * and stores those inside the job: one 16-byte (f32, f64) or 8-byte (f16, bf16) store
 * when the block lies wholly inside the job and the address is aligned, element stores
 * otherwise.  Blocks shared by two jobs (a shard boundary inside a block) are computed
 * by both, each writing only its own elements.  A single job is passed as scalars so
 * the common whole-tensor fill needs no job table on the device.
 */
#include "sample.h"   /* and, through it, contract.h: formats, distributions, fi_params */

#define FI_K_THREADS 256 /* threads per CUDA block; _gpu.py launches exactly this many */

/* Each distribution's block step is dists.h's (fi_k_block_f32_<name> /
 * fi_k_block_f64_<name>, computing exactly what the CPU tiles compute); the dispatch over
 * contract.h's FI_DIST_LIST is generated here and resolved at compile time. */
#include "dists.h"

#define FI_K_CASE_(code, name) if (DIST == code) fi_k_block_f32_##name(p, w, r);
template <int DIST>
FI_INLINE void fi_k_block_f32(fi_u64 seed, fi_u64 stream, fi_u64 b, const fi_params &p,
                              float r[4])
{
    fi_u32 w[4];
    fi_philox_block(seed, stream, b, w);
    FI_DIST_LIST(FI_K_CASE_)
}
#undef FI_K_CASE_

#define FI_K_CASE_(code, name) if (DIST == code) fi_k_block_f64_##name(p, w, r);
template <int DIST>
FI_INLINE void fi_k_block_f64(fi_u64 seed, fi_u64 stream, fi_u64 b, const fi_params &p,
                              double r[2])
{
    fi_u32 w[4];
    fi_philox_block(seed, stream, b, w);
    FI_DIST_LIST(FI_K_CASE_)
}
#undef FI_K_CASE_

/* The grid-stride loop over work items (see the top of the file).  Partial blocks are
 * stored by an unrolled, predicated loop with constant indices, so r[] stays in
 * registers. */
template <int FMT, int DIST>
__device__ void fi_k_fill(fi_u64 out_addr, const fi_i64 *jobs, fi_i64 njobs, fi_u64 nwork,
                          fi_i64 off0, fi_i64 e00, fi_i64 cnt0,
                          fi_u64 seed, fi_u64 stream, const fi_params &p)
{
    const fi_u64 A = FMT == FI_F64 ? 2 : 4; /* elements per Philox block */
    const fi_u64 nthreads = (fi_u64)gridDim.x * (fi_u64)blockDim.x;
    fi_u64 g = (fi_u64)blockIdx.x * (fi_u64)blockDim.x + (fi_u64)threadIdx.x;
    /* current job: work items [jlo, jhi), buffer offset off, elements [e0, eend) */
    fi_i64 j = 0;
    fi_u64 jlo = 0, jhi = nwork, off = (fi_u64)off0, e0 = (fi_u64)e00, eend = (fi_u64)(e00 + cnt0);
    if (njobs > 1) jhi = 0; /* force a search on the first item */
    for (; g < nwork; g += nthreads) {
        if (g >= jhi) {
            /* last job whose first item is <= g; items only grow, so start at j */
            fi_i64 lo = j, hi = njobs - 1;
            while (lo < hi) {
                fi_i64 mid = lo + ((hi - lo + 1) >> 1);
                if ((fi_u64)jobs[4 * mid + 3] <= g) lo = mid; else hi = mid - 1;
            }
            j = lo;
            off = (fi_u64)jobs[4 * j];
            e0 = (fi_u64)jobs[4 * j + 1];
            eend = e0 + (fi_u64)jobs[4 * j + 2];
            jlo = (fi_u64)jobs[4 * j + 3];
            jhi = j + 1 < njobs ? (fi_u64)jobs[4 * (j + 1) + 3] : nwork;
        }
        const fi_u64 b = e0 / A + (g - jlo);
        const fi_u64 eb = b * A;                           /* first element of the block */
        const fi_u64 lo = eb > e0 ? eb : e0;
        const fi_u64 hi = eb + A < eend ? eb + A : eend;
        const fi_u64 dlo = off + (lo - e0);                /* buffer index of element lo */
        const int i0 = (int)(lo - eb), i1 = (int)(hi - eb);
        if (FMT == FI_F64) {
            double r[2];
            fi_k_block_f64<DIST>(seed, stream, b, p, r);
            double *o = (double *)out_addr + dlo;
            if (i0 == 0 && i1 == 2 && ((fi_u64)o & 15u) == 0) {
                double2 v;
                v.x = r[0]; v.y = r[1];
                __stwb((double2 *)o, v);
            } else {
#pragma unroll
                for (int i = 0; i < 2; i++)
                    if (i >= i0 && i < i1) o[i - i0] = r[i];
            }
        } else {
            float r[4];
            fi_k_block_f32<DIST>(seed, stream, b, p, r);
            if (FMT == FI_F32) {
                float *o = (float *)out_addr + dlo;
                if (i0 == 0 && i1 == 4 && ((fi_u64)o & 15u) == 0) {
                    float4 v;
                    v.x = r[0]; v.y = r[1]; v.z = r[2]; v.w = r[3];
                    __stwb((float4 *)o, v);
                } else {
#pragma unroll
                    for (int i = 0; i < 4; i++)
                        if (i >= i0 && i < i1) o[i - i0] = r[i];
                }
            } else {
                fi_u16 *o = (fi_u16 *)out_addr + dlo;
                if (i0 == 0 && i1 == 4 && ((fi_u64)o & 7u) == 0) {
                    uint2 v; /* little-endian: the lower element in the low half */
                    v.x = (fi_u32)fi_round16(FMT, r[0]) | ((fi_u32)fi_round16(FMT, r[1]) << 16);
                    v.y = (fi_u32)fi_round16(FMT, r[2]) | ((fi_u32)fi_round16(FMT, r[3]) << 16);
                    __stwb((uint2 *)o, v);
                } else {
#pragma unroll
                    for (int i = 0; i < 4; i++)
                        if (i >= i0 && i < i1) o[i - i0] = fi_round16(FMT, r[i]);
                }
            }
        }
    }
}

/* fi_fill_<fmt>_<dist>(out address, job table address (int64 rows of 4; unused when
 * njobs == 1), njobs, total work items, the single job's (offset, e0, count) when
 * njobs == 1, seed, stream, then one double per field of fi_params in contract.h's
 * FI_PARAM_LIST order: the tuple of fastinit.core.host's *_params). */
#define FI_K_PARAM_ARG(name) , double name
#define FI_K_PARAM_SET(name) p.name = name;
#define FI_K_DEFINE(NAME, FMT, DIST)                                                        \
    extern "C" __global__ void __launch_bounds__(FI_K_THREADS)                              \
    NAME(unsigned long long out_addr, unsigned long long jobs_addr, long long njobs,        \
         unsigned long long nwork, long long off0, long long e00, long long cnt0,           \
         unsigned long long seed, unsigned long long stream                                 \
         FI_PARAM_LIST(FI_K_PARAM_ARG))                                                     \
    {                                                                                       \
        fi_params p;                                                                        \
        FI_PARAM_LIST(FI_K_PARAM_SET)                                                       \
        fi_k_fill<FMT, DIST>((fi_u64)out_addr, (const fi_i64 *)jobs_addr, (fi_i64)njobs,    \
                             (fi_u64)nwork, (fi_i64)off0, (fi_i64)e00, (fi_i64)cnt0,        \
                             (fi_u64)seed, (fi_u64)stream, p);                              \
    }

/* One kernel per format x distribution, fi_fill_<fmt>_<dist> (engine/gpu.py's
 * kernel_name), generated from contract.h's FI_FMT_LIST and FI_DIST_LIST. */
#define FI_K_F32_(code, name) FI_K_DEFINE(fi_fill_f32_##name, FI_F32, code)
#define FI_K_F64_(code, name) FI_K_DEFINE(fi_fill_f64_##name, FI_F64, code)
#define FI_K_F16_(code, name) FI_K_DEFINE(fi_fill_f16_##name, FI_F16, code)
#define FI_K_BF16_(code, name) FI_K_DEFINE(fi_fill_bf16_##name, FI_BF16, code)
FI_DIST_LIST(FI_K_F32_)
FI_DIST_LIST(FI_K_F64_)
FI_DIST_LIST(FI_K_F16_)
FI_DIST_LIST(FI_K_BF16_)
