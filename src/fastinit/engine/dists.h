/* The sampling step of each distribution of contract.h's FI_DIST_LIST, for both
 * engines, one section per distribution.  No include guard: included
 *
 *  - by fill_impl.h, once per SIMD copy (FI_FN defined), for the CPU tile loop:
 *      FI_FN(tile_f32_<name>)(p, w, cnt, res): cnt elements (a multiple of 4) of a
 *        32-bit-or-smaller output from cnt words; FI_FN(tile_f64_<name>): cnt elements
 *        (even) of a float64 output from 2 * cnt words;
 *  - by kernels.cu (FI_FN undefined), for the GPU kernels:
 *      fi_k_block_f32_<name>(p, w, r): the 4 elements of one Philox block w[0..3];
 *      fi_k_block_f64_<name>(p, w, r): its 2 float64 elements;
 *
 * each computing exactly what the other does (same sample.h steps, same order), so a
 * CPU and a GPU fill give the same bits.  The CPU tiles are plain scalar loops over
 * small arrays that the compiler vectorises; the GPU blocks keep r[] in registers.
 * The dispatch over the list is generated (fill_impl.h, kernels.cu): nothing here is a
 * fall-through default. */

/* ---- uniform: U[loc, loc + scale), clamped below hi_clamp (and above lo_clamp) ---- */
#ifdef FI_FN
static void FI_FN(tile_f32_uniform)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                    float *restrict res)
{
    const float loc = (float)p->loc, scale = (float)p->scale;
    const float lo_c = (float)p->lo_clamp, hi_c = (float)p->hi_clamp;
    for (int i = 0; i < cnt; i++) res[i] = fi_uniform_f32(w[i], loc, scale, lo_c, hi_c);
}

static void FI_FN(tile_f64_uniform)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                    double *restrict res)
{
    const double loc = p->loc, scale = p->scale, clamp = p->hi_clamp;
    fi_u32 w0[FI_TILE], w1[FI_TILE];
    for (int i = 0; i < cnt; i++) { w0[i] = w[2 * i]; w1[i] = w[2 * i + 1]; }
    for (int i = 0; i < cnt; i++) res[i] = fi_uniform_f64(w0[i], w1[i], loc, scale, clamp);
}
#else
FI_INLINE void fi_k_block_f32_uniform(const fi_params &p, const fi_u32 w[4], float r[4])
{
    const float loc = (float)p.loc, scale = (float)p.scale;
    const float lo_c = (float)p.lo_clamp, hi_c = (float)p.hi_clamp;
    for (int i = 0; i < 4; i++) r[i] = fi_uniform_f32(w[i], loc, scale, lo_c, hi_c);
}

FI_INLINE void fi_k_block_f64_uniform(const fi_params &p, const fi_u32 w[4], double r[2])
{
    for (int i = 0; i < 2; i++)
        r[i] = fi_uniform_f64(w[2 * i], w[2 * i + 1], p.loc, p.scale, p.hi_clamp);
}
#endif

/* ---- normal: Box-Muller pairs, loc + scale z ---- */
#ifdef FI_FN
static void FI_FN(tile_f32_normal)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                   float *restrict res)
{
    const float loc = (float)p->loc, scale = (float)p->scale;
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
}

static void FI_FN(tile_f64_normal)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                   double *restrict res)
{
    const double loc = p->loc, scale = p->scale;
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
}
#else
FI_INLINE void fi_k_block_f32_normal(const fi_params &p, const fi_u32 w[4], float r[4])
{
    const float loc = (float)p.loc, scale = (float)p.scale;
    for (int k = 0; k < 2; k++) {
        float z0, z1;
        fi_normal_pair_f32(w[2 * k], w[2 * k + 1], &z0, &z1);
        r[2 * k] = fi_affine_f32(loc, scale, z0);
        r[2 * k + 1] = fi_affine_f32(loc, scale, z1);
    }
}

FI_INLINE void fi_k_block_f64_normal(const fi_params &p, const fi_u32 w[4], double r[2])
{
    double z0, z1;
    fi_normal_pair_f64(w[0], w[1], w[2], w[3], &z0, &z1);
    r[0] = fi_affine_f64(p.loc, p.scale, z0);
    r[1] = fi_affine_f64(p.loc, p.scale, z1);
}
#endif

/* ---- truncated: inverse CDF inside [alpha, beta], clamped to [lo_clamp, hi_clamp] ---- */
#ifdef FI_FN
static void FI_FN(tile_f32_truncated)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                      float *restrict res)
{
    const float loc = (float)p->loc, scale = (float)p->scale;
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

static void FI_FN(tile_f64_truncated)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                      double *restrict res)
{
    const double loc = p->loc, scale = p->scale;
    const double pa = p->pa, d = p->d, qb = p->qb, alpha = p->alpha, beta = p->beta;
    const double lo_c = p->lo_clamp, hi_c = p->hi_clamp;
    fi_u32 w0[FI_TILE], w1[FI_TILE];
    double z[FI_TILE];
    for (int i = 0; i < cnt; i++) { w0[i] = w[2 * i]; w1[i] = w[2 * i + 1]; }
    for (int i = 0; i < cnt; i++) z[i] = fi_trunc_z_f64(w0[i], w1[i], pa, d, qb, alpha, beta);
    for (int i = 0; i < cnt; i++) res[i] = fi_clamp_f64(fi_affine_f64(loc, scale, z[i]), lo_c, hi_c);
}
#else
FI_INLINE void fi_k_block_f32_truncated(const fi_params &p, const fi_u32 w[4], float r[4])
{
    const float loc = (float)p.loc, scale = (float)p.scale;
    const float pa = (float)p.pa, d = (float)p.d, qb = (float)p.qb;
    const float alpha = (float)p.alpha, beta = (float)p.beta;
    const float lo_c = (float)p.lo_clamp, hi_c = (float)p.hi_clamp;
    if (fi_trunc_precise(p.d)) {   /* the same for every thread: no divergence */
        FI_TRUNC_REGIONS_SWITCH(fi_trunc_regions(p.pa, p.d, p.qb),
            for (int i = 0; i < 4; i++)
                r[i] = fi_clamp_f32(fi_trunc_precise_f32(w[i], p.pa, p.d, p.qb, p.alpha,
                                                         p.beta, p.loc, p.scale, REG),
                                    lo_c, hi_c));
    } else {
        for (int i = 0; i < 4; i++) {
            float z = fi_trunc_z_f32(w[i], pa, d, qb, alpha, beta);
            r[i] = fi_clamp_f32(fi_affine_f32(loc, scale, z), lo_c, hi_c);
        }
    }
}

FI_INLINE void fi_k_block_f64_truncated(const fi_params &p, const fi_u32 w[4], double r[2])
{
    for (int i = 0; i < 2; i++) {
        double z = fi_trunc_z_f64(w[2 * i], w[2 * i + 1], p.pa, p.d, p.qb, p.alpha, p.beta);
        r[i] = fi_clamp_f64(fi_affine_f64(p.loc, p.scale, z), p.lo_clamp, p.hi_clamp);
    }
}
#endif
