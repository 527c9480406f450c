/* CPU engine: tile loops compiled for the baseline ISA and, on x86-64, for AVX2 and
 * AVX-512, chosen once at run time.  Every copy shares sample.h with the GPU kernels. */
#include <stddef.h> /* size_t: on x86 immintrin.h pulls it in, on aarch64 nothing does */

#include "engine.h"
#include "sample.h"

#define FI_FN(name) fi_generic_##name
#include "fill_impl.h"
#undef FI_FN

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FI_HAVE_X86_COPIES 1
#pragma GCC push_options
#pragma GCC target("avx2")
#include "philox_avx2.h"
#define FI_PHILOX_WIDE fi_philox16_avx2
#define FI_PHILOX_N 16
#define FI_FN(name) fi_avx2_##name
#include "fill_impl.h"
#undef FI_FN
#undef FI_PHILOX_WIDE
#undef FI_PHILOX_N
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq")
#include "philox_avx512.h"
#define FI_PHILOX_WIDE fi_philox32_avx512
#define FI_PHILOX_N 32
#define FI_FN(name) fi_avx512_##name
#include "fill_impl.h"
#undef FI_FN
#undef FI_PHILOX_WIDE
#undef FI_PHILOX_N
#pragma GCC pop_options
#endif

typedef void (*fi_fill_fn)(void *, int, int, const fi_params *, fi_u64, fi_u64, fi_u64, fi_i64);

/* SIMD paths, widest last; every one gives the same bits (tests compare them). */
enum { FI_SIMD_GENERIC = 0, FI_SIMD_AVX2 = 1, FI_SIMD_AVX512 = 2 };
static const char *const fi_simd_names[] = {"generic", "avx2", "avx512"};
static int fi_simd = -1;

int fi_simd_supported(int level)
{
#ifdef FI_HAVE_X86_COPIES
    __builtin_cpu_init();
    if (level == FI_SIMD_AVX2) return __builtin_cpu_supports("avx2");
    if (level == FI_SIMD_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
               && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
    return level == FI_SIMD_GENERIC;
}

int fi_set_simd(int level)
{
    if (level < 0) {  /* best available */
        level = FI_SIMD_GENERIC;
        for (int l = FI_SIMD_AVX512; l > FI_SIMD_GENERIC; l--)
            if (fi_simd_supported(l)) { level = l; break; }
    }
    if (level > FI_SIMD_AVX512 || !fi_simd_supported(level)) return -1;
    fi_simd = level;
    return level;
}

static fi_fill_fn fi_pick(void)
{
    if (fi_simd < 0) fi_set_simd(-1);
#ifdef FI_HAVE_X86_COPIES
    if (fi_simd == FI_SIMD_AVX512) return fi_avx512_fill;
    if (fi_simd == FI_SIMD_AVX2) return fi_avx2_fill;
#endif
    return fi_generic_fill;
}

void fi_fill(void *out, int fmt, int dist, const fi_params *p,
             uint64_t seed, uint64_t stream, uint64_t e0, int64_t n)
{
    if (n > 0) fi_pick()(out, fmt, dist, p, seed, stream, e0, n);
}

/* The parameter block is read as FI_NPARAMS doubles by _engine.pyx. */
typedef char fi_params_is_a_double_array[sizeof(fi_params) == FI_NPARAMS * sizeof(double) ? 1 : -1];

#define FI_PARAM_NAME_(name) #name,
static const char *const fi_param_names[FI_NPARAMS] = {FI_PARAM_LIST(FI_PARAM_NAME_)};
#undef FI_PARAM_NAME_

const char *fi_param_name(int i)
{
    return i >= 0 && i < FI_NPARAMS ? fi_param_names[i] : 0;
}

#define FI_NAME_(code, name) #name,
static const char *const fi_dist_names[FI_NDISTS] = {FI_DIST_LIST(FI_NAME_)};
static const char *const fi_fmt_names[FI_NFORMATS] = {FI_FMT_LIST(FI_NAME_)};
#undef FI_NAME_

const char *fi_dist_name(int i)
{
    return i >= 0 && i < FI_NDISTS ? fi_dist_names[i] : 0;
}

const char *fi_fmt_name(int i)
{
    return i >= 0 && i < FI_NFORMATS ? fi_fmt_names[i] : 0;
}

int fi_itemsize(int fmt)
{
    return fmt == FI_F64 ? 8 : fmt == FI_F32 ? 4 : 2;
}

static int fi_serial = 0;

void fi_set_serial_only(int on) { fi_serial = on != 0; }
int fi_serial_only(void) { return fi_serial; }

/* Threads for `njobs` jobs totalling `n` elements: 1 when small, serial-only, or
 * without OpenMP; never more than FI_MAX_THREADS or njobs. */
static int fi_threads_for(int64_t threads, int64_t njobs, int64_t n)
{
#ifdef _OPENMP
    if (fi_serial || n < FI_PARALLEL_MIN || threads <= 1 || njobs <= 1) return 1;
    if (threads > FI_MAX_THREADS) threads = FI_MAX_THREADS;
    if (threads > njobs) threads = njobs;
    return (int)threads;
#else
    (void)threads; (void)njobs; (void)n;
    return 1;
#endif
}

void fi_fill_flat(void *out, int fmt, int dist, const fi_params *p,
                  uint64_t seed, uint64_t stream, uint64_t e0, int64_t n, int64_t threads)
{
    if (n <= 0) return;
    fi_fill_fn fn = fi_pick();
    /* jobs: [e0, next multiple of FI_JOB), then whole FI_JOB-aligned slices */
    const uint64_t job = (uint64_t)FI_JOB, end = e0 + (uint64_t)n, j0 = e0 / job;
    const int64_t njobs = (int64_t)((end - 1) / job - j0 + 1);
    const int t = fi_threads_for(threads, njobs, n);
    if (t <= 1) {
        fn(out, fmt, dist, p, seed, stream, e0, n);
        return;
    }
    const size_t isz = (size_t)fi_itemsize(fmt);
    int64_t j;
#pragma omp parallel for num_threads(t) schedule(dynamic)
    for (j = 0; j < njobs; j++) {
        uint64_t a = (j0 + (uint64_t)j) * job, b = a + job;
        if (a < e0) a = e0;
        if (b > end) b = end;
        fn((char *)out + (a - e0) * isz, fmt, dist, p, seed, stream, a, (int64_t)(b - a));
    }
}

/* Shards.  Dimensions k.. of the buffer are contiguous in the tensor (every one after
 * k is whole), so the buffer is nruns runs of `run` elements, run r at buffer offset
 * r * run; its first logical element follows an odometer over dimensions 0 .. k-1.
 * Work items: a piece of at most FI_JOB elements of one long run, or a batch of
 * FI_JOB / run short runs. */
typedef struct fi_shard_plan {
    int k;
    const int64_t *shape;
    int64_t gstride[FI_MAX_DIMS];
    uint64_t base;
    int64_t run, nruns, per_item, pieces;
} fi_shard_plan;

static uint64_t fi_run_first(const fi_shard_plan *s, int64_t r, int64_t *idx)
{
    uint64_t first = s->base;
    for (int j = s->k - 1; j >= 0; j--) {
        idx[j] = r % s->shape[j];
        r /= s->shape[j];
        first += (uint64_t)idx[j] * (uint64_t)s->gstride[j];
    }
    return first;
}

static void fi_shard_item(fi_fill_fn fn, const fi_shard_plan *s, char *out, size_t isz,
                          int fmt, int dist, const fi_params *p, uint64_t seed,
                          uint64_t stream, int64_t item)
{
    int64_t idx[FI_MAX_DIMS];
    if (s->pieces > 1) {   /* one piece of a long run */
        int64_t r = item / s->pieces, a = (item % s->pieces) * FI_JOB;
        int64_t len = s->run - a < FI_JOB ? s->run - a : FI_JOB;
        uint64_t first = fi_run_first(s, r, idx) + (uint64_t)a;
        fn(out + (size_t)(r * s->run + a) * isz, fmt, dist, p, seed, stream, first, len);
        return;
    }
    int64_t r = item * s->per_item, r1 = r + s->per_item;
    if (r1 > s->nruns) r1 = s->nruns;
    uint64_t first = fi_run_first(s, r, idx);
    for (;;) {
        fn(out + (size_t)(r * s->run) * isz, fmt, dist, p, seed, stream, first, s->run);
        if (++r >= r1) break;
        int j = s->k - 1;           /* odometer step over dimensions 0 .. k-1 */
        idx[j]++;
        first += (uint64_t)s->gstride[j];
        while (idx[j] == s->shape[j]) {
            first -= (uint64_t)s->shape[j] * (uint64_t)s->gstride[j];
            idx[j] = 0;
            j--;
            idx[j]++;
            first += (uint64_t)s->gstride[j];
        }
    }
}

int fi_fill_shard(void *out, int fmt, int dist, const fi_params *p,
                  uint64_t seed, uint64_t stream, int nd, const int64_t *shape,
                  const int64_t *global_shape, const int64_t *start, int64_t threads)
{
    if (nd < 0 || nd > FI_MAX_DIMS) return -1;
    int64_t size = 1;
    for (int j = 0; j < nd; j++) size *= shape[j];
    if (size <= 0) return 0;
    fi_shard_plan s;
    s.shape = shape;
    s.base = 0;
    for (int j = nd - 1; j >= 0; j--) {
        s.gstride[j] = j == nd - 1 ? 1 : s.gstride[j + 1] * global_shape[j + 1];
        s.base += (uint64_t)start[j] * (uint64_t)s.gstride[j];
    }
    int k = nd - 1;
    while (k > 0 && shape[k] == global_shape[k]) k--;
    if (k < 0) k = 0;
    s.k = k;
    s.run = 1;
    for (int j = k; j < nd; j++) s.run *= shape[j];
    s.nruns = size / s.run;
    if (s.nruns == 1) {
        fi_fill_flat(out, fmt, dist, p, seed, stream, s.base, size, threads);
        return 0;
    }
    s.pieces = (s.run + FI_JOB - 1) / FI_JOB;
    s.per_item = s.pieces > 1 ? 1 : FI_JOB / s.run;
    const int64_t nitems = s.pieces > 1 ? s.nruns * s.pieces
                                        : (s.nruns + s.per_item - 1) / s.per_item;
    fi_fill_fn fn = fi_pick();
    const size_t isz = (size_t)fi_itemsize(fmt);
    const int t = fi_threads_for(threads, nitems, size);
    if (t <= 1) {
        for (int64_t i = 0; i < nitems; i++)
            fi_shard_item(fn, &s, (char *)out, isz, fmt, dist, p, seed, stream, i);
        return 0;
    }
    int64_t i;
#pragma omp parallel for num_threads(t) schedule(dynamic)
    for (i = 0; i < nitems; i++)
        fi_shard_item(fn, &s, (char *)out, isz, fmt, dist, p, seed, stream, i);
    return 0;
}

const char *fi_simd_name(void)
{
    fi_pick();
    return fi_simd_names[fi_simd];
}

void fi_random_raw(uint32_t *out, uint64_t seed, uint64_t stream, uint64_t start, int64_t n)
{
    for (int64_t i = 0; i < n;) {
        uint64_t j = start + (uint64_t)i;
        fi_u32 w[4];
        fi_philox_block(seed, stream, j >> 2, w);
        for (unsigned lane = (unsigned)(j & 3); lane < 4 && i < n; lane++, i++) out[i] = w[lane];
    }
}
