/* Word -> sample transforms of the stream contract (docs/contract.rst).
 *
 * Shared verbatim by the CPU build (C, -ffp-contract=off, no fast-math) and the GPU
 * kernels (NVRTC, --fmad=false).  Only IEEE + - * / sqrt, integer and bit operations
 * are used, plus this file's own polynomial log / sin / cos / inverse normal CDF, so
 * every backend, thread count and SIMD width produces the same bits.  Everything is
 * written branch-free (selects, not ifs) so the CPU compiler can vectorise it.
 *
 * Polynomials: float32 log/sin/cos from Cephes (S. Moshier), float64 log/sin/cos from
 * fdlibm (Sun), inverse normal CDF from Wichura, AS 241 (PPND7 for float32, PPND16 for
 * float64).
 */
#ifndef FASTINIT_SAMPLE_H
#define FASTINIT_SAMPLE_H

#include "contract.h"
#include "philox.h"

/* ---- bit casts ---------------------------------------------------------------- */
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
FI_INLINE fi_u32 fi_fbits(float x) { return __float_as_uint(x); }
FI_INLINE float fi_ffrom(fi_u32 u) { return __uint_as_float(u); }
FI_INLINE fi_u64 fi_dbits(double x) { return (fi_u64)__double_as_longlong(x); }
FI_INLINE double fi_dfrom(fi_u64 u) { return __longlong_as_double((long long)u); }
FI_INLINE float fi_sqrtf(float x) { return __fsqrt_rn(x); }
FI_INLINE double fi_sqrt(double x) { return __dsqrt_rn(x); }
#else
FI_INLINE fi_u32 fi_fbits(float x) { union { float f; fi_u32 u; } v; v.f = x; return v.u; }
FI_INLINE float fi_ffrom(fi_u32 u) { union { float f; fi_u32 u; } v; v.u = u; return v.f; }
FI_INLINE fi_u64 fi_dbits(double x) { union { double f; fi_u64 u; } v; v.f = x; return v.u; }
FI_INLINE double fi_dfrom(fi_u64 u) { union { double f; fi_u64 u; } v; v.u = u; return v.f; }
FI_INLINE float fi_sqrtf(float x) { return __builtin_sqrtf(x); }
FI_INLINE double fi_sqrt(double x) { return __builtin_sqrt(x); }
#endif

FI_INLINE float fi_minf(float a, float b) { return b < a ? b : a; }
FI_INLINE float fi_maxf(float a, float b) { return b > a ? b : a; }
FI_INLINE double fi_min(double a, double b) { return b < a ? b : a; }
FI_INLINE double fi_max(double a, double b) { return b > a ? b : a; }

/* 2**k for small integer k, exactly, from the exponent bits. */
FI_INLINE double fi_pow2(fi_i32 k) { return fi_dfrom((fi_u64)(1023 + k) << 52); }

/* ---- float32 log -------------------------------------------------------------- */
/* ln((1 + f) * 2**e) for f in [sqrt(1/2) - 1, sqrt(2) - 1]; Cephes logf. */
FI_INLINE float fi_log_parts_f32(float f, float e)
{
    float z = f * f;
    float y = 7.0376836292E-2f;
    y = y * f - 1.1514610310E-1f;
    y = y * f + 1.1676998740E-1f;
    y = y * f - 1.2420140846E-1f;
    y = y * f + 1.4249322787E-1f;
    y = y * f - 1.6668057665E-1f;
    y = y * f + 2.0000714765E-1f;
    y = y * f - 2.4999993993E-1f;
    y = y * f + 3.3333331174E-1f;
    y = y * f * z;
    y = y + -2.12194440E-4f * e;
    y = y + -0.5f * z;
    float r = f + y;
    return r + 0.693359375f * e;     /* 355/512: e * this is exact */
}

/* ln x for a positive normal float32 x. */
FI_INLINE float fi_log_f32(float x)
{
    fi_u32 ix = fi_fbits(x) + (0x3f800000u - 0x3f3504f3u);
    fi_i32 k = (fi_i32)(ix >> 23) - 0x7f;
    float m = fi_ffrom((ix & 0x007fffffu) + 0x3f3504f3u);   /* in [sqrt(1/2), sqrt(2)) */
    return fi_log_parts_f32(m - 1.0f, (float)k);
}

/* ---- float64 log -------------------------------------------------------------- */
/* ln((1 + f) * 2**k) for f in [sqrt(1/2) - 1, sqrt(2) - 1]; fdlibm e_log.c. */
FI_INLINE double fi_log_parts_f64(double f, double dk)
{
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    double hfsq = 0.5 * f * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double R = t2 + t1;
    return s * (hfsq + R) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

/* ln x for a positive normal double x. */
FI_INLINE double fi_log_f64(double x)
{
    fi_u64 ix = fi_dbits(x);
    fi_u32 hx = (fi_u32)(ix >> 32) + (0x3ff00000u - 0x3fe6a09eu);
    fi_i32 k = (fi_i32)(hx >> 20) - 0x3ff;
    hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
    double m = fi_dfrom(((fi_u64)hx << 32) | (ix & 0xffffffffull));
    return fi_log_parts_f64(m - 1.0, (double)k);
}

/* ln(n * 2**-54) for the odd 54-bit n = hi * 2**27 + lo (hi < 2**27, lo < 2**27 odd),
 * with n - 2**e formed exactly from the two halves. */
FI_INLINE double fi_log_odd54_f64(fi_i32 hi, fi_i32 lo)
{
    double approx = (double)hi * 134217728.0 + (double)lo;          /* 2**27 */
    fi_u32 hx = (fi_u32)(fi_dbits(approx) >> 32) + (0x3ff00000u - 0x3fe6a09eu);
    fi_i32 e = (fi_i32)(hx >> 20) - 0x3ff;                          /* 0 .. 54 */
    fi_i32 big = e >= 27;
    fi_i32 hi_pow = big ? ((fi_i32)1 << (big ? e - 27 : 0)) : 0;
    fi_i32 lo_pow = big ? 0 : ((fi_i32)1 << (big ? 0 : e));
    double diff = (double)(hi - hi_pow) * 134217728.0 + (double)(lo - lo_pow);
    return fi_log_parts_f64(diff * fi_pow2(-e), (double)(e - 54));
}

/* ---- sin and cos of 2*pi*u ----------------------------------------------------- */
/* Quadrant select shared by both precisions: q = round(4u) mod 4, x = the rest. */
#define FI_QUADRANT(q, s, c, sinv, cosv)                                  \
    do {                                                                  \
        int sw_ = (q) & 1;                                                \
        sinv = sw_ ? (c) : (s);                                           \
        cosv = sw_ ? (s) : (c);                                           \
        cosv = (((q) + 1) & 2) ? -cosv : cosv;                            \
        sinv = ((q) & 2) ? -sinv : sinv;                                  \
    } while (0)

/* theta = 2*pi * k * 2**-24 for a 24-bit k; Cephes sinf/cosf on [-pi/4, pi/4]. */
FI_INLINE void fi_sincos2pi_f32(fi_u32 k, float *sinv, float *cosv)
{
    float y = (float)(fi_i32)k * 0x1p-22f;                 /* 4u, exact */
    float n = (y + 0x1.8p23f) - 0x1.8p23f;                 /* round to nearest, exact */
    float x = (y - n) * 1.57079632679489662f;              /* |x| <= pi/4 */
    int q = (int)n & 3;
    float z = x * x;
    float s = ((-1.9515295891E-4f * z + 8.3321608736E-3f) * z - 1.6666654611E-1f) * z * x + x;
    float c = ((2.443315711809948E-5f * z - 1.388731625493765E-3f) * z + 4.166664568298827E-2f) * z * z
              - 0.5f * z + 1.0f;
    float sv, cv;
    FI_QUADRANT(q, s, c, sv, cv);
    *sinv = sv; *cosv = cv;
}

/* theta = 2*pi * K * 2**-53 for a 53-bit K given as an exact double; fdlibm kernels. */
FI_INLINE void fi_sincos2pi_f64(double K, double *sinv, double *cosv)
{
    const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                 S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                 S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                 C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                 C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    double y = K * 0x1p-51;                                /* 4u, exact */
    double n = (y + 0x1.8p52) - 0x1.8p52;
    double x = (y - n) * 1.57079632679489661923;
    int q = (int)n & 3;
    double z = x * x;
    double w = z * z;
    double r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    double s = x + z * x * (S1 + z * r);
    double rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    double hz = 0.5 * z;
    double wc = 1.0 - hz;
    double c = wc + (((1.0 - wc) - hz) + z * rc);
    double sv, cv;
    FI_QUADRANT(q, s, c, sv, cv);
    *sinv = sv; *cosv = cv;
}

/* ---- inverse normal CDF --------------------------------------------------------- */
/* Z(t) = -Phi^-1(t) >= 0 for a lower-tail probability t in (0, 1/2]; AS 241 PPND7. */
FI_INLINE float fi_ndtri_tail_f32(float t)
{
    /* Each region is a rational function; the lane's numerator and denominator are
     * selected first so one division serves all three (same bits as dividing each;
     * the central one is (x * N) / D, as AS 241 writes it). */
    float x = 0.5f - t;
    float r = 0.180625f - x * x;
    float nc = x * (((59.109374720f * r + 159.29113202f) * r + 50.434271938f) * r + 3.3871327179f);
    float dc = ((67.187563600f * r + 78.757757664f) * r + 17.895169469f) * r + 1.0f;
    float s = fi_sqrtf(-fi_log_f32(fi_maxf(t, 1.17549435e-38f)));
    float a = s - 1.6f;
    float nm = ((0.17023821103f * a + 1.3067284816f) * a + 2.7568153900f) * a + 1.4234372777f;
    float dm = (0.12021132975f * a + 0.73700164250f) * a + 1.0f;
    float b = s - 5.0f;
    float nt = ((0.017337203997f * b + 0.42868294337f) * b + 3.0812263860f) * b + 6.6579051150f;
    float dt = (0.012258202635f * b + 0.24197894225f) * b + 1.0f;
    int central = t >= 0.075f, mid = s <= 5.0f;
    float num = central ? nc : (mid ? nm : nt);
    float den = central ? dc : (mid ? dm : dt);
    return num / den;
}

/* The same in double; AS 241 PPND16.  Its three regions are separate functions so the
 * float32 precise path (below) can evaluate only those an interval reaches; each
 * returns its numerator and denominator. */
FI_INLINE void fi_ppnd16_central(double t, double *num, double *den)
{
    double x = 0.5 - t;
    double r = 0.180625 - x * x;
    *num = x * (((((((2.5090809287301226727e+03 * r + 3.3430575583588128105e+04) * r
                     + 6.7265770927008700853e+04) * r + 4.5921953931549871457e+04) * r
                     + 1.3731693765509461125e+04) * r + 1.9715909503065514427e+03) * r
                     + 1.3314166789178437745e+02) * r + 3.3871328727963666080e+00);
    *den = (((((((5.2264952788528545610e+03 * r + 2.8729085735721942674e+04) * r
                 + 3.9307895800092710610e+04) * r + 2.1213794301586595867e+04) * r
                 + 5.3941960214247511077e+03) * r + 6.8718700749205790830e+02) * r
                 + 4.2313330701600911252e+01) * r + 1.0);
}

FI_INLINE double fi_ppnd16_s(double t)
{
    return fi_sqrt(-fi_log_f64(fi_max(t, 2.2250738585072014e-308)));
}

FI_INLINE void fi_ppnd16_mid(double s, double *num, double *den)
{
    double a = s - 1.6;
    *num = (((((((7.74545014278341407640e-04 * a + 2.27238449892691845833e-02) * a
                 + 2.41780725177450611770e-01) * a + 1.27045825245236838258e+00) * a
                 + 3.64784832476320460504e+00) * a + 5.76949722146069140550e+00) * a
                 + 4.63033784615654529590e+00) * a + 1.42343711074968357734e+00);
    *den = (((((((1.05075007164441684324e-09 * a + 5.47593808499534494600e-04) * a
                 + 1.51986665636164571966e-02) * a + 1.48103976427480074590e-01) * a
                 + 6.89767334985100004550e-01) * a + 1.67638483018380384940e+00) * a
                 + 2.05319162663775882187e+00) * a + 1.0);
}

FI_INLINE void fi_ppnd16_tail(double s, double *num, double *den)
{
    double b = s - 5.0;
    *num = (((((((2.01033439929228813265e-07 * b + 2.71155556874348757815e-05) * b
                 + 1.24266094738807843860e-03) * b + 2.65321895265761230930e-02) * b
                 + 2.96560571828504891230e-01) * b + 1.78482653991729133580e+00) * b
                 + 5.46378491116411436990e+00) * b + 6.65790464350110377720e+00);
    *den = (((((((2.04426310338993978564e-15 * b + 1.42151175831644588870e-07) * b
                 + 1.84631831751005468180e-05) * b + 7.86869131145613259100e-04) * b
                 + 1.48753612908506148525e-02) * b + 1.36929880922735805310e-01) * b
                 + 5.99832206555887937690e-01) * b + 1.0);
}

/* Region bits of PPND16 for fi_ndtri_regions_f64. */
#define FI_R_CENTRAL 1
#define FI_R_MID 2
#define FI_R_TAIL 4

/* Z(t) from the regions in `regions` (a compile-time constant at every call, so the
 * others are not computed): the same bits as fi_ndtri_tail_f64 whenever every t of the
 * call lies in those regions. */
FI_INLINE double fi_ndtri_regions_f64(double t, const int regions)
{
    double num = 1.0, den = 1.0, n2, d2;
    if (regions == FI_R_CENTRAL) {
        fi_ppnd16_central(t, &num, &den);
        return num / den;
    }
    double s = fi_ppnd16_s(t);
    int central = t >= 0.075, mid = s <= 5.0;
    if (regions & FI_R_TAIL) fi_ppnd16_tail(s, &num, &den);
    if (regions & FI_R_MID) {
        int use = (regions & FI_R_TAIL) ? mid : 1;
        fi_ppnd16_mid(s, &n2, &d2);
        num = use ? n2 : num; den = use ? d2 : den;
    }
    if (regions & FI_R_CENTRAL) {
        int use = (regions & (FI_R_MID | FI_R_TAIL)) ? central : 1;
        fi_ppnd16_central(t, &n2, &d2);
        num = use ? n2 : num; den = use ? d2 : den;
    }
    return num / den;
}

FI_INLINE double fi_ndtri_tail_f64(double t)
{
    return fi_ndtri_regions_f64(t, FI_R_CENTRAL | FI_R_MID | FI_R_TAIL);
}

/* ---- the three transforms, float32 --------------------------------------------- */
/* Uniform: u = (w >> 8) 2**-24, v = lo + width * u, clamped to the host's bounds:
 * v >= high -> hi_clamp, and v below low (float32(low) or its 16-bit rounding can lie
 * under low) -> lo_clamp. */
FI_INLINE float fi_uniform_f32(fi_u32 w, float lo, float width, float lo_clamp, float hi_clamp)
{
    float u = (float)(fi_i32)(w >> 8) * 0x1p-24f;
    return fi_minf(fi_maxf(lo + width * u, lo_clamp), hi_clamp);
}

/* Box-Muller pair from words (w0, w1) (contract 2): u1 takes 40 bits, all of w0 and the
 * low 8 bits of w1, u1 = (w0 2**8 + (w1 & 0xff) + 1/2) 2**-40, so |z| reaches 7.54
 * (24 bits stopped at 5.89); u2 = (w1 >> 8) 2**-24 as before.  A 40-bit value with the
 * 1/2 as two exact float32 terms, (a >> 8) 2**-24 + (((a & 0xff) << 8 | b) + 1/2) 2**-40,
 * summed with one rounding. */
FI_INLINE float fi_u40_f32(fi_u32 a, fi_u32 b)
{
    return (float)(fi_i32)(a >> 8) * 0x1p-24f
           + ((float)(fi_i32)(((a & 0xffu) << 8) | (b & 0xffu)) + 0.5f) * 0x1p-40f;
}

/* ln u1.  Below sqrt(1/2) the rounded u1 is reduced as fi_log_f32 does (|ln u1| > 0.34, so
 * its relative error stays 2**-24); above, where ln u1 is tiny, the mantissa part is
 * -(1 - u1), formed exactly from the complemented bits: 1 - u1 = u40(~w0, ~w1). */
FI_INLINE float fi_log_u40_f32(fi_u32 a, fi_u32 b)
{
    float hi = (float)(fi_i32)(a >> 8) * 0x1p-24f;
    float lo = ((float)(fi_i32)(((a & 0xffu) << 8) | (b & 0xffu)) + 0.5f) * 0x1p-40f;
    float u = hi + lo;                  /* fi_u40_f32(a, b) */
    float v = (1.0f - hi) - lo;         /* 1 - hi is exact: the same as fi_u40_f32(~a, ~b) */
    fi_u32 ix = fi_fbits(u) + (0x3f800000u - 0x3f3504f3u);
    fi_i32 k = (fi_i32)(ix >> 23) - 0x7f;
    float m = fi_ffrom((ix & 0x007fffffu) + 0x3f3504f3u);
    float f = k == 0 ? -v : m - 1.0f;
    return fi_log_parts_f32(f, (float)k);
}

FI_INLINE void fi_normal_pair_f32(fi_u32 w0, fi_u32 w1, float *z0, float *z1)
{
    float r = fi_sqrtf(-2.0f * fi_log_u40_f32(w0, w1));
    float s, c;
    fi_sincos2pi_f32(w1 >> 8, &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}

/* (w + 1/2) 2**-32 as two exact float32 terms summed with one rounding: all 32 bits count
 * where u is small (contract 2; 24 bits stopped a wide interval's tail at |z| = 5.42). */
FI_INLINE float fi_u32_open_f32(fi_u32 w)
{
    return (float)(fi_i32)(w >> 8) * 0x1p-24f + ((float)(fi_i32)(w & 0xffu) + 0.5f) * 0x1p-32f;
}

/* fi_u32_open_f32(~w), written with subtractions: the same bits, but GCC's AVX-512 code
 * for the ~ form ran the whole truncated loop at half speed (the normal pair's u40 is
 * the other way round: its ~ form is the fast one). */
FI_INLINE float fi_u32_open_compl_f32(fi_u32 w)
{
    return (float)(fi_i32)(0xffffffu - (w >> 8)) * 0x1p-24f
           + ((float)(fi_i32)(0xffu - (w & 0xffu)) + 0.5f) * 0x1p-32f;
}

/* Truncated standard normal by inverse CDF.  p = Phi(alpha) + u D is the lower-tail
 * probability and q = Q(beta) + (1 - u) D the upper one (D = Phi(beta) - Phi(alpha),
 * Q = 1 - Phi, all from the host); the smaller is used, so no tail loses precision
 * to cancellation.  u = (w + 1/2) 2**-32 and 1 - u = (~w + 1/2) 2**-32, each rounded once
 * to float32, so each keeps full relative precision where it is small. */
FI_INLINE float fi_trunc_z_f32(fi_u32 w, float pa, float d, float qb, float alpha, float beta)
{
    float u = fi_u32_open_f32(w);
    float v = fi_u32_open_compl_f32(w);  /* 1 - u, rounded once */
    float p = pa + u * d;
    float q = qb + v * d;
    int lower = p <= q;
    float t = lower ? p : q;
    float z = fi_ndtri_tail_f32(t);
    z = lower ? -z : z;
    return fi_minf(fi_maxf(z, alpha), beta);
}

/* Contract 2: intervals of mass D < FI_TRUNC_PRECISE_D (narrow ones, tails) take this
 * path instead.  In float32, Phi(alpha) + u D has a resolution of about 6e-8 in
 * probability and sqrt(-ln t) one of 5e-7, both coarse against such an interval's
 * float32 values (a 1e-4-wide interval had half its values never drawn; [-10, -8] had
 * counts 93..807 per value against 258 expected).  Here u has 32 bits and everything
 * runs in double (PPND16, 1e-16 relative) up to one final rounding of mean + std z to
 * float32, so the output is the exact quantile rounded once.  The choice depends only
 * on the host's D, so it is the same for every element, backend and SIMD width. */
#define FI_TRUNC_PRECISE_D 0.25

FI_INLINE int fi_trunc_precise(double d) { return d < FI_TRUNC_PRECISE_D; }

/* The PPND16 regions a call's t = min(p, q) can reach (conservatively: the margins on
 * s = 5, t = e**-25 = 1.39e-11, cover the rounding of the logarithm).  pa <= p <= pa + d
 * and qb <= q <= qb + d hold in floating point too, rounding being monotonic. */
FI_INLINE int fi_trunc_regions(double pa, double d, double qb)
{
    double tlo = fi_min(pa, qb), thi = fi_min(pa + d, qb + d);
    int r = 0;
    r |= thi >= 0.075 ? FI_R_CENTRAL : 0;
    r |= tlo < 0.075 && thi > 1e-11 ? FI_R_MID : 0;
    r |= tlo < 2e-11 ? FI_R_TAIL : 0;
    return r;
}

/* (w + 1/2) 2**-32, exact in double without an unsigned conversion */
FI_INLINE double fi_u32_open_f64(fi_u32 w)
{
    return ((double)(fi_i32)(w >> 8) * 256.0 + (double)(fi_i32)(w & 0xffu) + 0.5) * 0x1p-32;
}

/* mean + std z rounded once to float32; the caller clamps to the dtype's bounds.
 * `regions` is fi_trunc_regions of the call, a constant at each call site. */
FI_INLINE float fi_trunc_precise_f32(fi_u32 w, double pa, double d, double qb, double alpha,
                                     double beta, double loc, double scale, const int regions)
{
    double u = fi_u32_open_f64(w);
    double v = ((double)(fi_i32)(0xffffffu - (w >> 8)) * 256.0       /* 1 - u, exactly */
                + (double)(fi_i32)(0xffu - (w & 0xffu)) + 0.5) * 0x1p-32;
    double p = pa + u * d;
    double q = qb + v * d;
    int lower = p <= q;
    double t = lower ? p : q;
    double z = fi_ndtri_regions_f64(t, regions);
    z = lower ? -z : z;
    z = fi_min(fi_max(z, alpha), beta);
    return (float)(loc + scale * z);
}

/* Calls BODY with REG a constant equal to regions, so each instance is specialised. */
#define FI_TRUNC_REGIONS_SWITCH(regions, BODY)                                 \
    do {                                                                       \
        switch (regions) {                                                     \
        case FI_R_CENTRAL: { const int REG = FI_R_CENTRAL; BODY; } break;     \
        case FI_R_MID: { const int REG = FI_R_MID; BODY; } break;             \
        case FI_R_TAIL: { const int REG = FI_R_TAIL; BODY; } break;           \
        case FI_R_MID | FI_R_TAIL: { const int REG = FI_R_MID | FI_R_TAIL; BODY; } break; \
        case FI_R_CENTRAL | FI_R_MID: { const int REG = FI_R_CENTRAL | FI_R_MID; BODY; } break; \
        default: { const int REG = FI_R_CENTRAL | FI_R_MID | FI_R_TAIL; BODY; } break; \
        }                                                                      \
    } while (0)

/* ---- the three transforms, float64 --------------------------------------------- */
/* 53-bit u = ((w0 >> 5) 2**26 + (w1 >> 6)) 2**-53, as an exact double numerator. */
FI_INLINE double fi_k53(fi_u32 w0, fi_u32 w1)
{
    return (double)(fi_i32)(w0 >> 5) * 67108864.0 + (double)(fi_i32)(w1 >> 6);
}

FI_INLINE double fi_uniform_f64(fi_u32 w0, fi_u32 w1, double lo, double width, double clamp)
{
    return fi_min(lo + width * (fi_k53(w0, w1) * 0x1p-53), clamp);
}

/* Box-Muller pair from one block: u1 = 53-bit value of (w0, w1) plus half an ulp,
 * u2 = 53-bit value of (w2, w3). */
FI_INLINE void fi_normal_pair_f64(fi_u32 w0, fi_u32 w1, fi_u32 w2, fi_u32 w3,
                                  double *z0, double *z1)
{
    /* n = 2 K + 1 = (w0 >> 5) 2**27 + (2 (w1 >> 6) + 1) */
    double lnu = fi_log_odd54_f64((fi_i32)(w0 >> 5), (fi_i32)(((w1 >> 6) << 1) | 1u));
    double r = fi_sqrt(-2.0 * lnu);
    double s, c;
    fi_sincos2pi_f64(fi_k53(w2, w3), &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}

FI_INLINE double fi_trunc_z_f64(fi_u32 w0, fi_u32 w1, double pa, double d, double qb,
                                double alpha, double beta)
{
    fi_i32 hi = (fi_i32)(w0 >> 5), lo = (fi_i32)(((w1 >> 6) << 1) | 1u);
    double u = ((double)hi * 134217728.0 + (double)lo) * 0x1p-54;
    double v = ((double)(0x7ffffff - hi) * 134217728.0 + (double)(0x8000000 - lo)) * 0x1p-54;
    double p = pa + u * d;
    double q = qb + v * d;
    int lower = p <= q;
    double t = lower ? p : q;
    double z = fi_ndtri_tail_f64(t);
    z = lower ? -z : z;
    return fi_min(fi_max(z, alpha), beta);
}

/* ---- the per-element step: z -> stored value --------------------------------------
 * The one definition fill_impl.h (CPU) and kernels.cu (GPU) both call.  Outputs of 32
 * bits or fewer use float arithmetic on the float32-cast parameters; float64 uses double. */

/* loc + scale * z: normal and truncated values (no fused multiply-add anywhere). */
FI_INLINE float fi_affine_f32(float loc, float scale, float z) { return loc + scale * z; }
FI_INLINE double fi_affine_f64(double loc, double scale, double z) { return loc + scale * z; }

/* Truncated values clamped to the host's bounds (lo_clamp, hi_clamp): the output
 * format's values inside [low, high], chosen so 16-bit rounding stays inside too. */
FI_INLINE float fi_clamp_f32(float v, float lo, float hi) { return fi_minf(fi_maxf(v, lo), hi); }
FI_INLINE double fi_clamp_f64(double v, double lo, double hi) { return fi_min(fi_max(v, lo), hi); }

/* ---- float32 -> 16-bit storage, round to nearest even ---------------------------- */
FI_INLINE fi_u16 fi_f32_to_f16(float f)
{
    fi_u32 x = fi_fbits(f);
    fi_u32 sign = (x >> 16) & 0x8000u;
    fi_u32 ax = x & 0x7fffffffu;
    /* subnormal f16: let the float adder round, relative to 2**-1 (ryg's trick) */
    fi_u32 sub = fi_fbits(fi_ffrom(ax) + 0.5f) - 0x3f000000u;
    fi_u32 nrm = (ax + 0xc8000fffu + ((ax >> 13) & 1u)) >> 13;   /* rebias, round */
    fi_u32 h = ax < 0x38800000u ? sub : nrm;
    h = ax >= 0x477ff000u ? 0x7c00u : h;                          /* overflow -> inf */
    h = ax > 0x7f800000u ? 0x7e00u : h;                           /* NaN */
    return (fi_u16)(h | sign);
}

FI_INLINE fi_u16 fi_f32_to_bf16(float f)
{
    fi_u32 x = fi_fbits(f);
    fi_u32 r = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
    return (fi_u16)((x & 0x7fffffffu) > 0x7f800000u ? ((x >> 16) | 0x40u) : r);
}

/* The per-element step's last part: a float32 result stored as FI_F16 or FI_BF16. */
FI_INLINE fi_u16 fi_round16(int fmt, float v)
{
    return fmt == FI_BF16 ? fi_f32_to_bf16(v) : fi_f32_to_f16(v);
}

#endif /* FASTINIT_SAMPLE_H */
