"""Throughput rows: fastinit against NumPy and torch filling the same large buffer,
one thread and all threads, measured in one run."""
import numpy as np

import fastinit
from ...core.checks import default_threads
from .timing import best_of


def optional_torch():
    """torch, the comparison library, or None where it is not installed."""
    try:
        import torch
        return torch
    except ImportError:
        return None


def cpu_rows(numel=1 << 24, repeat=5, threads=None):
    """One row per (distribution, dtype, thread count): Melem/s and ratios."""
    torch = optional_torch()
    rng = np.random.default_rng(0)
    counts = sorted({1, threads or default_threads()})
    rows = []
    for dtype in ("float32", "float64"):
        out = np.empty(numel, dtype)
        tt = torch.empty(numel, dtype=getattr(torch, dtype)) if torch else None
        work = {
            "uniform": (lambda t: fastinit.uniform_(out, seed=1, threads=t),
                        lambda: rng.random(numel, dtype=dtype, out=out),
                        (lambda: tt.uniform_()) if torch else None),
            "normal": (lambda t: fastinit.normal_(out, seed=1, threads=t),
                       lambda: rng.standard_normal(numel, dtype=dtype, out=out),
                       (lambda: tt.normal_()) if torch else None),
            "truncated_normal": (lambda t: fastinit.truncated_normal_(out, seed=1, threads=t),
                                 None,
                                 (lambda: torch.nn.init.trunc_normal_(tt)) if torch else None),
        }
        # the write-bandwidth ceiling: a plain fill of the same buffer, one thread
        rows.append({"name": f"fill (write limit) {dtype}", "dist": "fill", "dtype": dtype,
                     "threads": 1, "device": "cpu", "numel": numel,
                     "melem_s_fastinit": None,
                     "melem_s_numpy": numel / best_of(lambda: out.fill(0.5), repeat) / 1e6,
                     "melem_s_torch": None, "ratio_numpy": None, "ratio_torch": None})
        for name, (ours, np_fn, torch_fn) in work.items():
            for t in counts:
                if torch:
                    torch.set_num_threads(t)
                row = {"name": f"{name} {dtype}", "dist": name, "dtype": dtype, "threads": t,
                       "device": "cpu", "numel": numel}
                row["melem_s_fastinit"] = numel / best_of(lambda: ours(t), repeat) / 1e6
                row["melem_s_numpy"] = numel / best_of(np_fn, repeat) / 1e6 if np_fn else None
                row["melem_s_torch"] = numel / best_of(torch_fn, repeat) / 1e6 if torch_fn else None
                for k in ("numpy", "torch"):
                    ref = row[f"melem_s_{k}"]
                    row[f"ratio_{k}"] = row["melem_s_fastinit"] / ref if ref else None
                rows.append(row)
    return rows
