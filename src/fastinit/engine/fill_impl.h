/* Tile loops of the CPU engine.  engine.c includes this once per instruction set
 * (baseline, and on x86-64 AVX2 and AVX-512), with FI_FN naming the copy and
 * FI_PHILOX_WIDE its hand-written wide Philox.  The loops are plain scalar code over
 * small arrays; the compiler vectorises them, and since the math is IEEE-exact
 * operations only, every copy gives identical bits (tests/core/test_simd_paths.py).
 * The per-element step (fi_affine_*, fi_clamp_*, fi_round16) is sample.h's, and each
 * distribution's tile is dists.h's, both shared with kernels.cu. */

#define FI_TILE 512 /* elements per tile: its words and results stay in L1 */

static void FI_FN(words)(fi_u32 *restrict w, fi_u64 b0, int nb, fi_u64 seed, fi_u64 stream)
{
    /* caller guarantees the low counter word does not wrap inside a tile */
    const fi_u32 lo = (fi_u32)b0, hi = (fi_u32)(b0 >> 32);
    const fi_u32 s0 = (fi_u32)stream, s1 = (fi_u32)(stream >> 32);
    const fi_u32 k0 = (fi_u32)seed, k1 = (fi_u32)(seed >> 32);
    int i = 0;
#ifdef FI_PHILOX_WIDE   /* FI_PHILOX_WIDE(w, lo, hi, s0, s1, k0, k1) makes FI_PHILOX_N blocks */
    for (; i + FI_PHILOX_N <= nb; i += FI_PHILOX_N)
        FI_PHILOX_WIDE(w + 4 * i, lo + (fi_u32)i, hi, s0, s1, k0, k1);
#endif
    for (; i < nb; i++) {
        fi_u32 c0 = lo + (fi_u32)i, c1 = hi, c2 = s0, c3 = s1;
        fi_philox4x32_10(&c0, &c1, &c2, &c3, k0, k1);
        w[4 * i] = c0; w[4 * i + 1] = c1; w[4 * i + 2] = c2; w[4 * i + 3] = c3;
    }
}

/* The per-distribution tiles (dists.h), and the dispatch over contract.h's
 * FI_DIST_LIST, generated: one case per distribution, no default (the code was checked
 * against FI_NDISTS by _engine.pyx before the GIL was released). */
#include "dists.h"

#define FI_TILE_CASE_(code, name) \
    case code: FI_FN(tile_f32_##name)(p, w, cnt, res); return;
static void FI_FN(tile_f32)(int dist, const fi_params *p, const fi_u32 *restrict w, int cnt,
                            float *restrict res)
{
    switch (dist) { FI_DIST_LIST(FI_TILE_CASE_) }
}
#undef FI_TILE_CASE_

#define FI_TILE_CASE_(code, name) \
    case code: FI_FN(tile_f64_##name)(p, w, cnt, res); return;
static void FI_FN(tile_f64)(int dist, const fi_params *p, const fi_u32 *restrict w, int cnt,
                            double *restrict res)
{
    switch (dist) { FI_DIST_LIST(FI_TILE_CASE_) }
}
#undef FI_TILE_CASE_

static void FI_FN(fill)(void *out, int fmt, int dist, const fi_params *p,
                        fi_u64 seed, fi_u64 stream, fi_u64 e0, fi_i64 n)
{
    fi_u32 w[2 * FI_TILE];
    double res_d[FI_TILE];
    float *res_f = (float *)res_d;
    const int wide = fmt == FI_F64;
    const fi_u64 align = wide ? 2 : 4;          /* elements per Philox block */
    const fi_u64 end = e0 + (fi_u64)n;
    fi_u64 t = e0 - e0 % align;
    while (t < end) {
        fi_u64 tend = end + (align - end % align) % align;
        if (tend - t > FI_TILE) tend = t + FI_TILE;
        fi_u64 b0 = t / align;
        fi_u64 nb = (tend - t) / align;
        fi_u64 room = 0x100000000ull - (b0 & 0xffffffffull);
        if (nb > room) { nb = room; tend = t + nb * align; }
        int cnt = (int)(tend - t);
        fi_u64 lo = t > e0 ? t : e0, hi = tend < end ? tend : end;
        fi_u64 skip = lo - t, off = lo - e0, len = hi - lo;
        FI_FN(words)(w, b0, (int)nb, seed, stream);
        if (wide) {
            double *o = (double *)out + off;
            int direct = skip == 0 && len == (fi_u64)cnt;
            FI_FN(tile_f64)(dist, p, w, cnt, direct ? o : res_d);
            if (!direct) for (fi_u64 i = 0; i < len; i++) o[i] = res_d[skip + i];
        } else if (fmt == FI_F32) {
            float *o = (float *)out + off;
            int direct = skip == 0 && len == (fi_u64)cnt;
            FI_FN(tile_f32)(dist, p, w, cnt, direct ? o : res_f);
            if (!direct) for (fi_u64 i = 0; i < len; i++) o[i] = res_f[skip + i];
        } else {
            fi_u16 *o = (fi_u16 *)out + off;
            FI_FN(tile_f32)(dist, p, w, cnt, res_f);
            /* one loop per format, so each inlines to straight-line code */
            if (fmt == FI_F16) for (fi_u64 i = 0; i < len; i++) o[i] = fi_round16(FI_F16, res_f[skip + i]);
            else for (fi_u64 i = 0; i < len; i++) o[i] = fi_round16(FI_BF16, res_f[skip + i]);
        }
        t = tend;
    }
}
