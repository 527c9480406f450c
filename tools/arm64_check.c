/* Test harness for the CPU engine without Python: tools/arm64_check.py compiles it
 * together with src/fastinit/engine/engine.c for the host and for aarch64 (run under
 * qemu-user), and compares the bytes both write.  Python is too slow under qemu, and
 * the C engine is the only part whose bits could depend on the architecture.
 *
 * stdin, one case per line (integers decimal, doubles as 16-hex-digit IEEE bits, so
 * no decimal parsing can differ between the two libcs):
 *   raw  SEED STREAM START N
 *   fill FMT DIST SEED STREAM E0 N P0 .. P8     (P = the 9 fi_params fields, in order)
 *   shard FMT DIST SEED STREAM ND SHAPE.. GLOBAL_SHAPE.. START.. P0 .. P8
 * stdout: each case's output bytes, in order, as the engine wrote them.
 * argv[1] (optional): SIMD level, 0 generic, 1 avx2, 2 avx512; default the best. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int write_all(const void *p, size_t n)
{
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int read_params(fi_params *p)
{
    uint64_t b[9];
    for (int i = 0; i < 9; i++)
        if (scanf("%" SCNx64, &b[i]) != 1) return -1;
    *p = (fi_params){from_bits(b[0]), from_bits(b[1]), from_bits(b[2]), from_bits(b[3]),
                     from_bits(b[4]), from_bits(b[5]), from_bits(b[6]), from_bits(b[7]),
                     from_bits(b[8])};
    return 0;
}

static size_t item_size(int fmt)
{
    return fmt == FI_F64 ? 8 : fmt == FI_F32 ? 4 : 2;
}

int main(int argc, char **argv)
{
    int level = argc > 1 ? atoi(argv[1]) : -1;
    if (fi_set_simd(level) < 0) {
        fprintf(stderr, "arm64_check: this CPU cannot run SIMD level %d\n", level);
        return 2;
    }
    char kind[8];
    int line = 0;
    while (scanf("%7s", kind) == 1) {
        uint64_t seed, stream, start;
        int64_t n;
        line++;
        if (strcmp(kind, "raw") == 0) {
            if (scanf("%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64, &seed, &stream, &start,
                      &n) != 4 || n < 0)
                goto bad;
            uint32_t *out = calloc((size_t)n + 1, sizeof *out);
            if (!out) return 3;
            fi_random_raw(out, seed, stream, start, n);
            if (write_all(out, (size_t)n * sizeof *out)) return 4;
            free(out);
        } else if (strcmp(kind, "fill") == 0) {
            int fmt, dist;
            fi_params p;
            if (scanf("%d %d %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64, &fmt, &dist, &seed,
                      &stream, &start, &n) != 6 || n < 0 || fmt < FI_F32 || fmt > FI_BF16
                || read_params(&p))
                goto bad;
            void *out = calloc((size_t)n + 1, item_size(fmt));
            if (!out) return 3;
            fi_fill(out, fmt, dist, &p, seed, stream, start, n);
            if (write_all(out, (size_t)n * item_size(fmt))) return 4;
            free(out);
        } else if (strcmp(kind, "shard") == 0) {
            int fmt, dist, nd;
            int64_t dims[3 * FI_MAX_DIMS];
            fi_params p;
            if (scanf("%d %d %" SCNu64 " %" SCNu64 " %d", &fmt, &dist, &seed, &stream,
                      &nd) != 5 || nd < 1 || nd > FI_MAX_DIMS || fmt < FI_F32 || fmt > FI_BF16)
                goto bad;
            for (int i = 0; i < 3 * nd; i++)
                if (scanf("%" SCNd64, &dims[i]) != 1) goto bad;
            if (read_params(&p)) goto bad;
            n = 1;
            for (int i = 0; i < nd; i++) n *= dims[i];
            void *out = calloc((size_t)n + 1, item_size(fmt));
            if (!out) return 3;
            if (fi_fill_shard(out, fmt, dist, &p, seed, stream, nd, dims, dims + nd,
                              dims + 2 * nd, 1) != 0)
                goto bad;
            if (write_all(out, (size_t)n * item_size(fmt))) return 4;
            free(out);
        } else {
            goto bad;
        }
    }
    fprintf(stderr, "arm64_check: %d cases, simd %s\n", line, fi_simd_name());
    return fflush(stdout) == 0 ? 0 : 4;
bad:
    fprintf(stderr, "arm64_check: malformed case %d\n", line);
    return 1;
}
