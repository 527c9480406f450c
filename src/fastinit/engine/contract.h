/* The C side of the stream contract (docs/contract.rst), written once: output formats,
 * distributions and the host-computed parameter block.  Included by engine.h (CPU),
 * kernels.cu (GPU, through NVRTC: no system headers here) and _engine.pyx, which
 * exports the same values to Python (_engine.F32 ..., _engine.PARAM_FIELDS). */
#ifndef FASTINIT_CONTRACT_H
#define FASTINIT_CONTRACT_H

/* Output formats: the storage of one element. */
enum { FI_F32 = 0, FI_F64 = 1, FI_F16 = 2, FI_BF16 = 3 };
#define FI_NFORMATS 4

/* Distributions. */
enum { FI_UNIFORM = 0, FI_NORMAL = 1, FI_TRUNCATED = 2 };
#define FI_NDISTS 3

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
