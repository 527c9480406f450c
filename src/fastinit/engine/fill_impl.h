/* Tile loops of the CPU engine.  engine.c includes this once per instruction set
 * (baseline, and on x86-64 AVX2 and AVX-512), with FI_FN naming the copy and
 * FI_PHILOX_WIDE its hand-written wide Philox.  The loops are plain scalar code over
 * small arrays; the compiler vectorises them, and since the math is IEEE-exact
 * operations only, every copy gives identical bits (tests/core/test_simd_paths.py).
 * The per-element step (fi_affine_*, fi_clamp_*, fi_round16) is sample.h's, shared
 * with kernels.cu. */

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

/* cnt elements (a multiple of 4) of a 32-bit-or-smaller output, from cnt words. */
static void FI_FN(tile_f32)(int dist, const fi_params *p, const fi_u32 *restrict w, int cnt,
                            float *restrict res)
{
    const float loc = (float)p->loc, scale = (float)p->scale;
    if (dist == FI_UNIFORM) {
        const float lo_c = (float)p->lo_clamp, hi_c = (float)p->hi_clamp;
        for (int i = 0; i < cnt; i++) res[i] = fi_uniform_f32(w[i], loc, scale, lo_c, hi_c);
    } else if (dist == FI_NORMAL) {
        /* three unit-stride passes: the compiler vectorises these, not one strided loop */
        fi_u32 w0[FI_TILE / 2], w1[FI_TILE / 2];
        float z0[FI_TILE / 2], z1[FI_TILE / 2];
        const int np = cnt / 2;
        for (int k = 0; k < np; k++) { w0[k] = w[2 * k]; w1[k] = w[2 * k + 1]; }
        for (int k = 0; k < np; k++) fi_normal_pair_f32(w0[k], w1[k], &z0[k], &z1[k]);
        for (int k = 0; k < np; k++) {
            res[2 * k] = fi_affine_f32(loc, scale, z0[k]);
            res[2 * k + 1] = fi_affine_f32(loc, scale, z1[k]);
        }
    } else {
        const float pa = (float)p->pa, d = (float)p->d, qb = (float)p->qb;
        const float alpha = (float)p->alpha, beta = (float)p->beta;
        const float lo_c = (float)p->lo_clamp, hi_c = (float)p->hi_clamp;
        float z[FI_TILE];
        if (fi_trunc_precise(p->d)) {
            const double dpa = p->pa, dd = p->d, dqb = p->qb, da = p->alpha, db = p->beta;
            const double dloc = p->loc, dscale = p->scale;
            FI_TRUNC_REGIONS_SWITCH(fi_trunc_regions(dpa, dd, dqb),
                for (int i = 0; i < cnt; i++)
                    z[i] = fi_trunc_precise_f32(w[i], dpa, dd, dqb, da, db, dloc, dscale, REG));
            for (int i = 0; i < cnt; i++) res[i] = fi_clamp_f32(z[i], lo_c, hi_c);
            return;
        }
        for (int i = 0; i < cnt; i++) z[i] = fi_trunc_z_f32(w[i], pa, d, qb, alpha, beta);
        for (int i = 0; i < cnt; i++) res[i] = fi_clamp_f32(fi_affine_f32(loc, scale, z[i]), lo_c, hi_c);
    }
}

/* cnt elements (even) of a float64 output, from 2 * cnt words. */
static void FI_FN(tile_f64)(int dist, const fi_params *p, const fi_u32 *restrict w, int cnt,
                            double *restrict res)
{
    const double loc = p->loc, scale = p->scale;
    if (dist == FI_UNIFORM) {
        const double clamp = p->hi_clamp;
        fi_u32 w0[FI_TILE], w1[FI_TILE];
        for (int i = 0; i < cnt; i++) { w0[i] = w[2 * i]; w1[i] = w[2 * i + 1]; }
        for (int i = 0; i < cnt; i++) res[i] = fi_uniform_f64(w0[i], w1[i], loc, scale, clamp);
    } else if (dist == FI_NORMAL) {
        fi_u32 w0[FI_TILE / 2], w1[FI_TILE / 2], w2[FI_TILE / 2], w3[FI_TILE / 2];
        double z0[FI_TILE / 2], z1[FI_TILE / 2];
        const int np = cnt / 2;
        for (int k = 0; k < np; k++) {
            w0[k] = w[4 * k]; w1[k] = w[4 * k + 1]; w2[k] = w[4 * k + 2]; w3[k] = w[4 * k + 3];
        }
        for (int k = 0; k < np; k++) fi_normal_pair_f64(w0[k], w1[k], w2[k], w3[k], &z0[k], &z1[k]);
        for (int k = 0; k < np; k++) {
            res[2 * k] = fi_affine_f64(loc, scale, z0[k]);
            res[2 * k + 1] = fi_affine_f64(loc, scale, z1[k]);
        }
    } else {
        const double pa = p->pa, d = p->d, qb = p->qb, alpha = p->alpha, beta = p->beta;
        const double lo_c = p->lo_clamp, hi_c = p->hi_clamp;
        fi_u32 w0[FI_TILE], w1[FI_TILE];
        double z[FI_TILE];
        for (int i = 0; i < cnt; i++) { w0[i] = w[2 * i]; w1[i] = w[2 * i + 1]; }
        for (int i = 0; i < cnt; i++) z[i] = fi_trunc_z_f64(w0[i], w1[i], pa, d, qb, alpha, beta);
        for (int i = 0; i < cnt; i++) res[i] = fi_clamp_f64(fi_affine_f64(loc, scale, z[i]), lo_c, hi_c);
    }
}

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
