"""Figures drawn at documentation build time (called from conf.py), into _generated/:

* ``demo.png`` -- :mod:`fastinit.tools.demo` (the seeds' lesson), activation and gradient std
  against depth for each initialisation scheme;
* ``hist_<dist>.png`` -- histograms of fastinit samples against the exact density;
* ``speed_<dtype>.png`` -- Melem/s of fastinit, NumPy and PyTorch from
  ``bench_results.json`` (schema in docs/performance.rst).

Run it by hand with ``python docs/figures.py [OUTDIR]``.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(HERE) not in sys.path:   # an in-place build in this checkout
    sys.path.insert(0, os.path.dirname(HERE))


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def demo_figure(path, depth=50, width=256, batch=128, seed=0):
    """The demo's figure at `path` and its table next to it (same name, .txt)."""
    from fastinit.tools import demo
    results = demo.run_all(depth=depth, width=width, batch=batch, seed=seed)
    demo.plot(results, path)
    with open(os.path.splitext(path)[0] + ".txt", "w") as f:
        f.write(f"$ python -m fastinit demo --depth {depth} --width {width} --batch {batch} "
                f"--seed {seed}\n\n")
        f.write(demo.format_table(results, depth) + "\n")


def _phi(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _Phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def histograms(outdir, n=1 << 20):
    import numpy as np
    import fastinit
    plt = _plt()
    cases = {
        "uniform": (lambda dt: fastinit.uniform(n, -1.0, 1.0, seed=0, dtype=dt),
                    lambda x: np.where((x >= -1) & (x < 1), 0.5, 0.0), (-1.3, 1.3),
                    "uniform U[-1, 1)", 130),
        "normal": (lambda dt: fastinit.normal(n, 0.0, 1.0, seed=0, dtype=dt),
                   np.vectorize(_phi), (-5, 5), "normal N(0, 1)", 120),
        "truncated_normal": (
            lambda dt: fastinit.truncated_normal(n, 0.0, 1.0, -1.0, 2.5, seed=0, dtype=dt),
            np.vectorize(lambda x: _phi(x) / (_Phi(2.5) - _Phi(-1.0))
                         if -1.0 <= x <= 2.5 else 0.0),
            (-1.5, 3.0), "truncated normal N(0, 1) on [-1, 2.5]", 180),
    }
    paths = []
    for name, (sample, density, lim, title, bins) in cases.items():  # bin edges on the bounds
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
        xs = np.linspace(lim[0], lim[1], 801)
        for ax, dt in zip(axes, ("float32", "float64")):
            x = sample(dt)
            ax.hist(x, bins=bins, range=lim, density=True, color="tab:blue", alpha=0.55,
                    label=f"fastinit, {n:,} samples")
            ax.plot(xs, density(xs), color="k", lw=1.2, label="exact density")
            ax.set_title(f"{title}, {dt}", fontsize=10)
            ax.set_xlim(*lim)
            ax.legend(fontsize=7, loc="upper right")
        path = os.path.join(outdir, f"hist_{name}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths


def speed_charts(outdir, results=os.path.join(HERE, "bench_results.json")):
    import numpy as np
    plt = _plt()
    with open(results) as f:
        data = json.load(f)
    rows = [r for r in data["rows"] if r.get("device", "cpu") == "cpu"]
    m = data.get("machine", {})
    paths = []
    for dtype in sorted({r.get("dtype", "float32") for r in rows}):
        sel = [r for r in rows if r.get("dtype", "float32") == dtype and r.get("dist") != "fill"]
        # bench's plain ndarray.fill of the same buffer (kept in melem_s_numpy): a ceiling
        ceiling = [r.get("melem_s_numpy") for r in rows
                   if r.get("dtype", "float32") == dtype and r.get("dist") == "fill"]
        labels = [f"{r.get('dist', r['name'])}\n{r.get('threads', '?')} thr" for r in sel]
        libs = [("fastinit", "tab:green"), ("numpy", "tab:blue"), ("torch", "tab:orange")]
        x = np.arange(len(sel))
        w = 0.27
        fig, ax = plt.subplots(figsize=(9, 3.6), constrained_layout=True)
        for i, (lib, color) in enumerate(libs):
            vals = [r.get(f"melem_s_{lib}") or 0.0 for r in sel]
            ax.bar(x + (i - 1) * w, vals, w, label=lib, color=color)
        if ceiling and ceiling[0]:
            ax.axhline(ceiling[0], color="0.3", ls="--", lw=1,
                       label="plain fill, 1 thread (write limit)")
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel("million elements / s")
        numel = sel[0].get("numel") if sel else None
        size = f"{numel:,} elements, " if numel else ""
        ax.set_title(f"CPU fill, {dtype}, {size}{m.get('cores', '?')} cores "
                     f"({m.get('simd', '?')}); higher is better", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
        path = os.path.join(outdir, f"speed_{dtype}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    demo_figure(os.path.join(outdir, "demo.png"))
    histograms(outdir)
    speed_charts(outdir)


if __name__ == "__main__":
    generate(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "_generated"))
