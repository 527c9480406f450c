/* The C side of the stream contract (docs/contract.rst), written once: output formats,
 * distributions and the host-computed parameter block.  Included by engine.h (CPU),
 * kernels.cu (GPU, through NVRTC: no system headers here) and _engine.pyx, which
 * exports the same values to Python (_engine.F32 ..., _engine.PARAM_FIELDS). */
#ifndef FASTINIT_CONTRACT_H
#define FASTINIT_CONTRACT_H

/* Output formats, the storage of one element: X(code, name). */
#define FI_FMT_LIST(X) X(FI_F32, f32) X(FI_F64, f64) X(FI_F16, f16) X(FI_BF16, bf16)

/* Distributions: X(code, name).  The one list of them: the CPU tile loop (fill_impl.h),
 * the GPU kernels (kernels.cu), the engine's exports (_engine.DIST_NAMES) and the Python
 * side (core/host.py's <name>_params, engine/gpu.py's kernel names) are generated from
 * it.  A distribution's sampling step lives in dists.h, its host parameters in
 * core/host.py (docs/architecture.rst, "Adding a distribution").  Codes are positions
 * in the list (the stream contract fixes uniform 0, normal 1, truncated 2). */
#define FI_DIST_LIST(X) X(FI_UNIFORM, uniform) X(FI_NORMAL, normal) X(FI_TRUNCATED, truncated)

#define FI_ENUM_(code, name) code,
enum { FI_FMT_LIST(FI_ENUM_) FI_NFORMATS };
enum { FI_DIST_LIST(FI_ENUM_) FI_NDISTS };
#undef FI_ENUM_

/* The parameter block, as an X-macro so the struct, the GPU kernel signatures and the
 * Python field names all come from this one list.  Host-computed (fastinit/core/host.py;
 * kernels never recompute them):
 *   uniform:   loc = low, scale = float(high - low), hi_clamp = largest value below high
 *   normal:    loc = mean, scale = std
 *   truncated: loc, scale, pa = Phi(alpha), d = Phi(beta) - Phi(alpha), qb = 1 - Phi(beta),
 *              alpha, beta, lo_clamp / hi_clamp = the output dtype's values inside [a, b] */
#define FI_PARAM_LIST(X) X(loc) X(scale) X(hi_clamp) X(lo_clamp) X(pa) X(d) X(qb) X(alpha) X(beta)

#define FI_PARAM_DECL_(name) double name;
typedef struct fi_params {
    FI_PARAM_LIST(FI_PARAM_DECL_)
} fi_params;
#undef FI_PARAM_DECL_

#define FI_PARAM_COUNT_(name) +1
enum { FI_NPARAMS = 0 FI_PARAM_LIST(FI_PARAM_COUNT_) };
#undef FI_PARAM_COUNT_

#endif /* FASTINIT_CONTRACT_H */
