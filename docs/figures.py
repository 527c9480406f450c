"""Figures drawn at documentation build time (called from conf.py), into _generated/:

* ``demo.png`` -- :mod:`fastinit.tools.demo` (the seeds' lesson), activation and gradient std
  against depth for each initialisation scheme;
* ``hist_<dist>.png`` -- histograms of fastinit samples against the exact density;
* ``diagnose_<model>.png``, ``diagnose.txt`` -- :func:`fastinit.diagnose` on a deep MLP
  and a ResNet without batch norm under four initialisations (docs/diagnose.rst);
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


def _story_models():
    """The docs/diagnose.rst models: a 50-layer ReLU MLP and a 16-block ResNet without
    batch norm, and their inputs."""
    import torch
    import fastinit
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1)

        def forward(self, x):
            return self.relu(x + self.conv2(self.relu(self.conv1(x))))

    def mlp():
        return nn.Sequential(*[m for _ in range(50) for m in (nn.Linear(128, 128), nn.ReLU())])

    def resnet():
        return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(inplace=True),
                             *[Block(16) for _ in range(16)], nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(16, 10))
    x = torch.from_numpy(fastinit.normal((64, 128), seed=1))
    xi = torch.from_numpy(fastinit.normal((16, 3, 16, 16), seed=1))
    return [("deep MLP (50 x Linear(128, 128) + ReLU)", "mlp", mlp, x),
            ("ResNet without batch norm (16 residual blocks, 16 channels)", "resnet", resnet, xi)]


def _init(model, how):
    import torch
    import fastinit
    import fastinit.torch as ft
    if how == "LSUV":
        return ft.lsuv_(model, model._story_input, seed=0)
    for name, p in model.named_parameters():
        stream = fastinit.stream_for_name(name)
        if how == "torch default":
            continue
        if name.endswith("bias"):
            torch.nn.init.zeros_(p)
        elif how == "small normal":
            ft.normal_(p, std=0.01, seed=0, stream=stream)
        else:   # He
            ft.kaiming_normal_(p, nonlinearity="relu", seed=0, stream=stream)
    return None


def diagnose_figures(outdir):
    """``diagnose_<model>.png`` and ``diagnose.txt``: the docs/diagnose.rst story, run
    at build time (needs torch; without it, a note in place of the figures)."""
    plt = _plt()
    try:
        import torch
    except ImportError:
        for key in ("mlp", "resnet"):
            fig = plt.figure(figsize=(6, 1))
            fig.text(0.5, 0.5, "torch is not installed in this documentation build",
                     ha="center")
            fig.savefig(os.path.join(outdir, f"diagnose_{key}.png"))
            plt.close(fig)
        with open(os.path.join(outdir, "diagnose.txt"), "w") as f:
            f.write("(torch is not installed in this documentation build)\n")
        return
    import fastinit
    lines = []
    for title, key, make, x in _story_models():
        lines.append(title)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
        for how in ("small normal", "torch default", "He", "LSUV"):
            torch.manual_seed(0)
            model = make()
            model._story_input = x
            fit = _init(model, how)
            rep = fastinit.diagnose(model, x)
            rep.plot(ax=axes, label=f"{how}: {rep.verdict.kind}")
            extra = "" if fit is None else \
                f"   [lsuv_: {len(fit.units)} layers, {fit.passes} passes]"
            lines.append(f"  {how:14s} {rep.verdict.text()}{extra}")
        fig.suptitle(title, fontsize=10)
        fig.savefig(os.path.join(outdir, f"diagnose_{key}.png"), dpi=100)
        plt.close(fig)
        lines.append("")
    with open(os.path.join(outdir, "diagnose.txt"), "w") as f:
        f.write("\n".join(lines))


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    demo_figure(os.path.join(outdir, "demo.png"))
    diagnose_figures(outdir)
    histograms(outdir)
    speed_charts(outdir)


if __name__ == "__main__":
    generate(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "_generated"))
