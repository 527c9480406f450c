"""Small-call rows: the per-call cost of ``normal_`` on 16, 768 and 768x768 elements,
fastinit (a NumPy buffer and a torch CPU tensor) beside ``torch.nn.init.normal_`` and
NumPy's ``Generator.standard_normal(out=)``, in one run.  Models have hundreds of small
parameters, so this is the Python overhead users feel."""
import numpy as np

import fastinit
from .cpu import optional_torch
from .timing import best_of

SIZES = ((16,), (768,), (768, 768))
CALLS = {(16,): 2000, (768,): 2000, (768, 768): 20}   # calls per timed batch


def rows(repeat=5, threads=None):
    """One row per size: microseconds per call for each implementation (None when the
    library is missing) and fastinit-vs-torch ratios (> 1: fastinit is slower)."""
    torch = optional_torch()
    rng = np.random.default_rng(0)
    out = []
    for shape in SIZES:
        n = CALLS[shape]
        a = np.empty(shape, np.float32)
        t = torch.empty(shape) if torch else None

        def per_call(fn):
            def batch():
                for _ in range(n):
                    fn()
            return best_of(batch, repeat) / n * 1e6

        row = {"shape": shape, "numel": a.size,
               "fastinit_numpy_us": per_call(lambda: fastinit.normal_(a, 0.0, 0.02, seed=1,
                                                                      threads=threads)),
               "numpy_us": per_call(lambda: rng.standard_normal(dtype=np.float32, out=a)),
               "fastinit_torch_us": None, "torch_us": None}
        if torch is not None:
            row["fastinit_torch_us"] = per_call(lambda: fastinit.normal_(t, 0.0, 0.02, seed=1,
                                                                         threads=threads))
            row["torch_us"] = per_call(lambda: torch.nn.init.normal_(t, 0.0, 0.02))
        out.append(row)
    return out


def _f(v):
    return "       -" if v is None else f"{v:8.2f}"


def table(rows):
    head = (f"{'shape':>12s} {'fastinit(np)':>12s} {'numpy':>8s} {'fastinit(t)':>12s} "
            f"{'torch':>8s} {'fi(t)/torch':>12s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = (r["fastinit_torch_us"] / r["torch_us"]) if r["torch_us"] else None
        lines.append(f"{str(r['shape']):>12s} {_f(r['fastinit_numpy_us']):>12s} "
                     f"{_f(r['numpy_us'])} {_f(r['fastinit_torch_us']):>12s} "
                     f"{_f(r['torch_us'])} {_f(ratio):>12s}")
    return "\n".join(lines)
