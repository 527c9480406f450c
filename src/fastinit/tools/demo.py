"""The seeds' lesson: why initialisation matters, shown on a deep MLP in plain NumPy.

``python -m fastinit demo [--depth 50] [--width 512] [--batch 256] [--seed 0] [--plot FILE.png]``

A ``depth``-layer perceptron without biases, ``h_l = act(h_{l-1} @ W_l)`` with square
``width x width`` weights, is run forward on a batch of standard-normal inputs and
backward from a standard-normal output gradient (the loss is ``sum(h_L * G)``), for
each initialisation scheme and for ``tanh`` and ``relu``:

=============  ======================================================
zeros          ``W = 0``
small normal   ``N(0, 0.01**2)``
large normal   ``N(0, 1)``
Glorot         ``N(0, 2 / (fan_in + fan_out))`` (``torch.nn.init.xavier_normal_``)
He             ``N(0, 2 / fan_in)`` (``torch.nn.init.kaiming_normal_``, ReLU gain)
=============  ======================================================

Layer ``l``'s weights are ``fastinit.normal((width, width), std=..., seed=seed,
stream=l)``, so every scheme sees the same random directions, only scaled; the input
uses stream 0 and the output gradient stream ``2**63``.  The arithmetic is float64 so
that exploding (``16**50``) and vanishing (``0.16**50``) signals are measured rather than
lost to float32 overflow, underflow or subnormal slowness.

It prints the standard deviation of the activations ``h_l`` and of the gradients
``dLoss/dh_l`` at a few depths, then one verdict per scheme and activation, decided
in this order with these thresholds:

``symmetric``
    every unit of every layer computes exactly the same value on every input
    (checked exactly), so gradient descent can never tell them apart: the symmetry
    problem of constant initialisation.
``saturates``
    tanh only: more than half of the last layer's activations have ``|h| > 0.99``
    (the units sit on the flat parts of tanh).
``explodes``
    the activation std grows by more than ``100x`` from layer 1 to layer ``depth``,
    or the gradient std grows by more than ``100x`` from layer ``depth`` back to
    layer 1.
``vanishes``
    either of those ratios is below ``1/100``.
``stable``
    otherwise.
"""
import argparse
import math
import sys
import time

import numpy as np

from .. import initializers
from ..diagnosis.report import GROWTH, SATURATED_FRACTION, SATURATED_H, classify  # noqa: F401

__all__ = ["main", "run", "verdict", "format_table", "plot", "SCHEMES", "ACTIVATIONS"]

# GROWTH (explodes above this ratio, vanishes below its inverse), SATURATED_H (|tanh| above
# this counts as saturated) and SATURATED_FRACTION come from fastinit.diagnosis.report
INPUT_STREAM = 0
GRAD_STREAM = 1 << 63

SCHEMES = {
    "zeros": None,
    "small normal": lambda fan_in, fan_out: 0.01,
    "large normal": lambda fan_in, fan_out: 1.0,
    "Glorot": lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)),
    "He": lambda fan_in, fan_out: math.sqrt(2.0 / fan_in),
}
ACTIVATIONS = ("tanh", "relu")


def standard_weights(depth, width, seed):
    """Layer ``l``'s standard-normal matrix ``fastinit.normal((width, width), seed=seed,
    stream=l, dtype="float64")`` for ``l = 1 .. depth``.  A scheme's weights are ``std``
    times these, which is bit for bit ``fastinit.normal(..., std=std, ...)`` (float64
    normals are ``mean + std * z``)."""
    # threads=1: OpenMP threads left spinning after a parallel fill would compete with
    # the BLAS threads of the matrix products that follow.
    return [initializers.normal((width, width), seed=seed, stream=layer, dtype="float64",
                            threads=1) for layer in range(1, depth + 1)]


def _std(scheme, width):
    rule = SCHEMES[scheme]
    return 0.0 if rule is None else rule(width, width)


def _act(name, x):
    if name == "tanh":
        return np.tanh(x, out=x)
    return np.maximum(x, 0.0, out=x)


def _act_grad(name, h):
    """act'(pre) written in terms of h = act(pre)."""
    if name == "tanh":
        return 1.0 - h * h
    return (h > 0).astype(h.dtype)


def run(scheme, activation, *, depth=50, width=512, batch=256, seed=0, weights=None):
    """Forward and backward through the MLP.  Returns a dict with per-layer arrays
    ``act_std``, ``grad_std`` (index ``l - 1`` is layer ``l``), ``symmetric`` (every
    layer's units identical) and ``saturated`` (fraction of last-layer ``|h| > 0.99``).
    ``weights``: :func:`standard_weights` of the same depth, width and seed, to reuse."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose from {', '.join(SCHEMES)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if weights is None:
        weights = standard_weights(depth, width, seed)
    std = _std(scheme, width)
    ws = [np.zeros((width, width)) if std == 0 else std * z for z in weights]
    x = initializers.normal((batch, width), seed=seed, stream=INPUT_STREAM, dtype="float64")
    hs = []
    h = x
    symmetric = True
    for layer in range(1, depth + 1):
        h = _act(activation, h @ ws[layer - 1])
        symmetric = symmetric and bool((h == h[:, :1]).all())
        hs.append(h)
    g = initializers.normal((batch, width), seed=seed, stream=GRAD_STREAM, dtype="float64")
    grad_std = np.empty(depth)
    grad_std[depth - 1] = g.std()
    for layer in range(depth, 1, -1):       # dLoss/dh_{l-1} = (g * act'(pre_l)) @ W_l^T
        g = (g * _act_grad(activation, hs[layer - 1])) @ ws[layer - 1].T
        grad_std[layer - 2] = g.std()
    return {
        "act_std": np.array([a.std() for a in hs]),
        "grad_std": grad_std,
        "symmetric": symmetric,
        "saturated": float((np.abs(hs[-1]) > SATURATED_H).mean()),
    }


_WORDS = {"saturating": "saturates", "exploding": "explodes", "vanishing": "vanishes"}


def verdict(result, activation):
    """One of "symmetric ...", "saturates ...", "explodes ...", "vanishes ...", "stable"
    for a :func:`run` result (thresholds in the module docstring), decided by
    :func:`fastinit.diagnosis.classify`, the code behind :func:`fastinit.diagnose`."""
    v = classify(result["act_std"], result["grad_std"], symmetric=result["symmetric"],
                 saturated=result["saturated"] if activation == "tanh" else None)
    return v.text(_WORDS.get(v.kind))


def _columns(depth):
    step = 10 if depth >= 30 else max(1, round(depth / 5))
    return sorted({1, depth} | set(range(step, depth + 1, step)))


def _fmt(v):
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.2g}" if 1e-3 <= abs(v) < 1e4 else f"{v:.1e}"


def format_table(results, depth):
    """The activation-std and gradient-std tables plus the verdicts, as text.
    ``results`` maps (scheme, activation) to :func:`run` results."""
    cols = _columns(depth)
    name_w = max(len(f"{s} {a}") for s, a in results) + 2
    lines = []
    for key, title in (("act_std", "activation std by layer"),
                       ("grad_std", "gradient std (dLoss/dh) by layer")):
        lines.append(title)
        lines.append(" " * name_w + "".join(f"{'L' + str(c):>9}" for c in cols))
        for (s, a), r in results.items():
            lines.append(f"{s + ' ' + a:<{name_w}}" + "".join(f"{_fmt(r[key][c - 1]):>9}"
                                                             for c in cols))
        lines.append("")
    lines.append("verdict")
    for (s, a), r in results.items():
        lines.append(f"{s + ' ' + a:<{name_w}}{verdict(r, a)}")
    return "\n".join(lines)


def plot(results, path):
    """Write the activation and gradient std against depth as a PNG (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install matplotlib") from None
    colors = dict(zip(SCHEMES, ("0.5", "tab:blue", "tab:red", "tab:green", "tab:purple")))
    styles = {"tanh": "-", "relu": "--"}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for ax, key, title in ((axes[0], "act_std", "activation std"),
                           (axes[1], "grad_std", "gradient std (dLoss/dh)")):
        for (s, a), r in results.items():
            y = np.asarray(r[key], float)
            y = np.where((y > 0) & np.isfinite(y), y, np.nan)   # log axis: hide zeros
            layers = np.arange(1, y.size + 1)
            ax.semilogy(layers, y, styles[a], color=colors[s], label=f"{s} {a}")
        ax.set_xlabel("layer")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    if any(r["symmetric"] for r in results.values()):
        axes[0].text(0.02, 0.02, "zeros: std 0 (not shown on a log axis)",
                     transform=axes[0].transAxes, fontsize=8)
    axes[1].legend(fontsize=7, ncol=2, loc="best")
    fig.suptitle("Deep MLP: signal by depth for each initialisation")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_all(*, depth=50, width=512, batch=256, seed=0):
    """:func:`run` for every scheme and activation, in table order."""
    weights = standard_weights(depth, width, seed)
    return {(s, a): run(s, a, depth=depth, width=width, batch=batch, seed=seed, weights=weights)
            for s in SCHEMES for a in ACTIVATIONS}


def _positive(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return v


def _seed(text):
    v = int(text)
    if not 0 <= v < 1 << 64:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**64), got {text}")
    return v


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m fastinit demo",
        description="Why initialisation matters: activation and gradient scale through a "
                    "deep MLP (plain NumPy) under zeros, small/large normal, Glorot and He "
                    "initialisation, with tanh and ReLU.")
    p.add_argument("--depth", type=_positive, default=50, help="layers (default 50)")
    p.add_argument("--width", type=_positive, default=512, help="units per layer (default 512)")
    p.add_argument("--batch", type=_positive, default=256, help="inputs (default 256)")
    p.add_argument("--seed", type=_seed, default=0, help="fastinit seed (default 0)")
    p.add_argument("--plot", metavar="FILE.png", help="also write a figure (needs matplotlib)")
    return p


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.plot:   # fail before the work, not after
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("error: --plot needs matplotlib (pip install matplotlib)", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    results = run_all(depth=args.depth, width=args.width, batch=args.batch, seed=args.seed)
    print(f"deep MLP: depth {args.depth}, width {args.width}, batch {args.batch}, "
          f"seed {args.seed} (float64 NumPy, {time.perf_counter() - t0:.1f} s)\n")
    print(format_table(results, args.depth))
    if args.plot:
        plot(results, args.plot)
        print(f"\nwrote {args.plot}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
