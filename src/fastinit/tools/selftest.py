"""python -m fastinit selftest: a statistical battery over fastinit's own outputs.

Every check compares a sample of ``--size`` elements (one tensor, made in chunks with
``global_shape``/``start`` so memory stays small) with the exact distribution:

* chi2: 1000 equiprobable bins of the exact CDF.  Bin edges are snapped to values of the
  output dtype and each bin's expected mass is the exact CDF at the rounding boundaries
  (the midpoint between neighbouring dtype values; uniform outputs are floored to their
  2**-24 / 2**-53 grid instead), so the reference is the exact distribution *rounded to
  the dtype*, and narrow intervals with few representable values are tested fairly.
* tails: counts beyond 3..6 sigma (normal) against the exact expectation (Poisson).
* moments: mean and variance as z-scores.
* pairs: 2-D chi2 of consecutive elements (x[2k], x[2k+1]) -- the two halves of a
  Box-Muller pair -- on a 32 x 32 grid of the exact CDF.

Each line is a p-value; a sound generator gives p-values spread uniformly on (0, 1), so
with ~40 checks an occasional p below 0.01 is expected and one below 1e-6 is not.
``selftest`` exits with status 1 when any p < --alpha (default 1e-6).
Needs SciPy (exact normal CDF and the chi2 / Poisson tail functions).
"""
import argparse
import math
import sys
import time

import numpy as np

NBINS = 1000
GRID = 32

# (name, dist, dtype, parameters); truncated intervals are in standard units (mean 0,
# std 1), so the output is the rounded quantile itself
CASES = [
    ("uniform", "uniform", "float32", (0.0, 1.0)),
    ("uniform", "uniform", "float64", (0.0, 1.0)),
    ("normal", "normal", "float32", (0.0, 1.0)),
    ("normal", "normal", "float64", (0.0, 1.0)),
    ("normal", "normal", "float16", (0.0, 1.0)),
    ("normal", "normal", "bfloat16", (0.0, 1.0)),
    ("truncated [-2, 2]", "truncated_normal", "float32", (-2.0, 2.0)),
    ("truncated [0, 0.7]", "truncated_normal", "float32", (0.0, 0.7)),
    ("truncated [-0.35, 0.35]", "truncated_normal", "float32", (-0.35, 0.35)),
    ("truncated [0.3, 1.2]", "truncated_normal", "float32", (0.3, 1.2)),
    ("truncated [-0.01, 0.01]", "truncated_normal", "float32", (-0.01, 0.01)),
    ("truncated [-1e-3, 1e-3]", "truncated_normal", "float32", (-1e-3, 1e-3)),
    ("truncated [0.7, 0.7001]", "truncated_normal", "float32", (0.7, 0.7001)),
    ("truncated [3, 3.001]", "truncated_normal", "float32", (3.0, 3.001)),
    ("truncated [1, 3]", "truncated_normal", "float32", (1.0, 3.0)),
    ("truncated [3, inf]", "truncated_normal", "float32", (3.0, math.inf)),
    ("truncated [-10, -8]", "truncated_normal", "float32", (-10.0, -8.0)),
    ("truncated [5, 6]", "truncated_normal", "float32", (5.0, 6.0)),
    ("truncated [-2, 2]", "truncated_normal", "float64", (-2.0, 2.0)),
    ("truncated [-10, -8]", "truncated_normal", "float64", (-10.0, -8.0)),
    ("truncated [-2, 2]", "truncated_normal", "bfloat16", (-2.0, 2.0)),
]


def _scipy():
    try:
        from scipy import special, stats
    except ImportError as e:  # pragma: no cover - scipy is a test dependency
        raise SystemExit("python -m fastinit selftest needs SciPy (pip install scipy)") from e
    return special, stats


def _np_dtype(dtype):
    if dtype == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


class _Dist:
    """Exact CDF, quantile and rounding model of one case."""

    def __init__(self, dist, params):
        special, _ = _scipy()
        self.sp = special
        self.dist = dist
        if dist == "uniform":
            self.lo, self.hi = params
        elif dist == "normal":
            self.lo, self.hi = -math.inf, math.inf
        else:
            self.lo, self.hi = params
        if dist == "truncated_normal":
            a, b = self.lo, self.hi
            # masses from the tail nearer each bound, so deep tails keep their precision
            self.flip = a > 0
            if self.flip:
                a, b = -b, -a
            self.pa, self.pb = special.ndtr(a), special.ndtr(b)
            self.a, self.b = a, b

    def cdf(self, x):
        x = np.asarray(x, np.float64)
        if self.dist == "uniform":
            return np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        if self.dist == "normal":
            return self.sp.ndtr(x)
        if self.flip:
            x = np.clip(-x, self.a, self.b)
            return (self.pb - self.sp.ndtr(x)) / (self.pb - self.pa)
        x = np.clip(x, self.a, self.b)
        return (self.sp.ndtr(x) - self.pa) / (self.pb - self.pa)

    def ppf(self, q):
        q = np.asarray(q, np.float64)
        if self.dist == "uniform":
            return self.lo + q * (self.hi - self.lo)
        if self.dist == "normal":
            return self.sp.ndtri(q)
        if self.flip:
            return -self.sp.ndtri(self.pb - q * (self.pb - self.pa))
        return self.sp.ndtri(self.pa + q * (self.pb - self.pa))

    def boundary(self, edges, dtype):
        """P(output < edge) is the CDF here: the rounding boundary below each edge."""
        if self.dist == "uniform":
            return edges.astype(np.float64)         # u is floored onto its grid
        below = np.nextafter(edges, np.array(-np.inf, dtype)).astype(np.float64)
        return (below + edges.astype(np.float64)) / 2


def _edges(d, dtype, nbins):
    """Interior bin edges: quantiles snapped to the dtype, duplicates merged."""
    q = d.ppf(np.arange(1, nbins) / nbins)
    q = q[np.isfinite(q)]
    e = np.unique(q.astype(dtype))
    return e[np.isfinite(e.astype(np.float64))]


def _make(dist, dtype, params, n, start, total, seed, stream):
    import fastinit
    kw = dict(seed=seed, stream=stream, dtype=dtype, global_shape=(total,), start=(start,))
    if dist == "uniform":
        return fastinit.uniform(n, params[0], params[1], **kw)
    if dist == "normal":
        return fastinit.normal(n, params[0], params[1], **kw)
    return fastinit.truncated_normal(n, 0.0, 1.0, params[0], params[1], **kw)


def check_case(name, dist, dtype, params, size, seed=2024, stream=0, chunk=1 << 22):
    """Run every check on one case; returns a list of (check, detail, p-value)."""
    special, stats = _scipy()
    npd = _np_dtype(dtype)
    d = _Dist(dist, params)
    edges = _edges(d, npd, NBINS)
    gedges = _edges(d, npd, GRID)
    counts = np.zeros(edges.size + 1, np.int64)
    pair = np.zeros((gedges.size + 1) ** 2, np.int64)
    s1 = s2 = 0.0
    lo_hi = [math.inf, -math.inf]
    tails = {k: 0 for k in (3, 4, 5, 6)}
    chunk -= chunk % 2
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        x = _make(dist, dtype, params, n, start, size, seed, stream)
        counts += np.bincount(np.searchsorted(edges, x, side="right"), minlength=counts.size)
        g = np.searchsorted(gedges, x[: n - n % 2], side="right")
        pair += np.bincount(g[0::2] * (gedges.size + 1) + g[1::2], minlength=pair.size)
        xd = x.astype(np.float64)
        s1 += float(xd.sum())
        s2 += float(np.square(xd).sum())
        lo_hi = [min(lo_hi[0], float(xd.min())), max(lo_hi[1], float(xd.max()))]
        if dist == "normal":
            a = np.abs(xd)
            for k in tails:
                tails[k] += int((a > k).sum())
    out = []
    cdf = np.concatenate([[0.0], d.cdf(d.boundary(edges, npd)), [1.0]])
    expected = np.diff(cdf) * size
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    dof = counts.size - 1
    out.append(("chi2", f"{counts.size} bins, chi2/dof {chi2 / dof:.3f}",
                float(stats.chi2.sf(chi2, dof))))
    gcdf = np.diff(np.concatenate([[0.0], d.cdf(d.boundary(gedges, npd)), [1.0]]))
    pexp = np.outer(gcdf, gcdf).ravel() * (size // 2)
    keep = pexp > 0
    pchi = float(np.sum((pair[keep] - pexp[keep]) ** 2 / pexp[keep]))
    pdof = int(keep.sum()) - 1
    out.append(("pairs", f"(x[2k], x[2k+1]) {gedges.size + 1}x{gedges.size + 1}, "
                f"chi2/dof {pchi / pdof:.3f}", float(stats.chi2.sf(pchi, pdof))))
    # moments of the dtype-rounded distribution, from the fine bins' midpoints is too
    # coarse for the mean: use the exact continuous moments, which rounding moves by far
    # less than the standard error at these sizes for float32/float64
    if dtype in ("float32", "float64"):
        mu, var = _moments(d)
        m = s1 / size
        v = s2 / size - m * m
        zm = (m - mu) / math.sqrt(var / size)
        out.append(("mean", f"{m:.6g} vs {mu:.6g}", float(2 * stats.norm.sf(abs(zm)))))
        m4 = _fourth_central(d, mu)
        zv = (v - var) / math.sqrt(max(m4 - var * var, 1e-300) / size)
        out.append(("variance", f"{v:.6g} vs {var:.6g}", float(2 * stats.norm.sf(abs(zv)))))
    if dist == "normal":
        for k, c in tails.items():
            kd = np.array(k, npd)     # the output exceeds k when z passes k's rounding boundary
            thr = (float(kd) + float(np.nextafter(kd, np.array(np.inf, npd)))) / 2
            lam = size * 2 * special.ndtr(-thr)
            p = 2 * min(stats.poisson.cdf(c, lam), stats.poisson.sf(c - 1, lam), 0.5)
            out.append((f"|z| > {k}", f"{c} vs {lam:.1f} expected", float(p)))
        out.append(("max |z|", f"{max(-lo_hi[0], lo_hi[1]):.3f}", None))
    return out


def _moments(d):
    """Exact mean and variance (numerically, on a fine quantile grid)."""
    if d.dist == "uniform":
        w = d.hi - d.lo
        return (d.lo + d.hi) / 2, w * w / 12
    if d.dist == "normal":
        return 0.0, 1.0
    q = (np.arange(200000) + 0.5) / 200000
    x = d.ppf(q)
    mu = float(x.mean())
    return mu, float(np.mean((x - mu) ** 2))


def _fourth_central(d, mu):
    if d.dist == "uniform":
        w = d.hi - d.lo
        return w ** 4 / 80
    if d.dist == "normal":
        return 3.0
    x = d.ppf((np.arange(200000) + 0.5) / 200000)
    return float(np.mean((x - mu) ** 4))


def run(size, cases=CASES, out=None, alpha=1e-6):
    """Print a table of p-values; returns the smallest p-value seen."""
    out = sys.stdout if out is None else out
    worst = 1.0
    print(f"fastinit selftest: {size:,} samples per case; p-values (uniform on (0,1) "
          f"for a sound generator; failure below {alpha:g})", file=out)
    for name, dist, dtype, params in cases:
        t0 = time.perf_counter()
        # one stream per case (its index in CASES), so the cases test different words
        res = check_case(name, dist, dtype, params, size, stream=CASES.index((name, dist, dtype, params)))
        dt = time.perf_counter() - t0
        for check, detail, p in res:
            flag = "" if p is None or p >= alpha else "  FAIL"
            ps = "" if p is None else f"{p:.3g}"
            print(f"{name:26s} {dtype:9s} {check:9s} {ps:>9s}  {detail}{flag}", file=out)
            if p is not None:
                worst = min(worst, p)
        print(f"{'':26s} {'':9s} ({dt:.1f} s)", file=out)
        out.flush()
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastinit selftest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10 ** 7,
                        help="samples per case (default 10**7; the docs use 10**8)")
    parser.add_argument("--alpha", type=float, default=1e-6,
                        help="exit status 1 if any p-value is below this")
    parser.add_argument("--only", default=None,
                        help="run only the cases whose name contains this text")
    args = parser.parse_args(argv)
    if args.size < 2 * NBINS * 10:
        parser.error(f"--size must be at least {2 * NBINS * 10} (10 per bin)")
    cases = [c for c in CASES if args.only is None or args.only in c[0]]
    worst = run(args.size, cases, alpha=args.alpha)
    return 0 if worst >= args.alpha else 1


if __name__ == "__main__":
    sys.exit(main())
