"""`python -m fastinit bench`: fastinit against NumPy and torch on the same work,
measured in one run (this machine is shared and noisy: read the ratios, not the
absolute numbers)."""
import json
import platform
import time

import numpy as np

from . import sampling
from ._core import _engine
from ._layout import default_threads


def best_of(fn, repeat):
    fn()  # warm up: page faults, thread pool start
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def cpu_rows(numel=1 << 24, repeat=5, threads=None):
    """One row per (distribution, dtype, thread count): Melem/s and ratios."""
    torch = _torch()
    rng = np.random.default_rng(0)
    counts = sorted({1, threads or default_threads()})
    rows = []
    for dtype in ("float32", "float64"):
        out = np.empty(numel, dtype)
        tt = torch.empty(numel, dtype=getattr(torch, dtype)) if torch else None
        work = {
            "uniform": (lambda t: sampling.uniform_(out, seed=1, threads=t),
                        lambda: rng.random(numel, dtype=dtype, out=out),
                        (lambda: tt.uniform_()) if torch else None),
            "normal": (lambda t: sampling.normal_(out, seed=1, threads=t),
                       lambda: rng.standard_normal(numel, dtype=dtype, out=out),
                       (lambda: tt.normal_()) if torch else None),
            "truncated_normal": (lambda t: sampling.truncated_normal_(out, seed=1, threads=t),
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


def _fmt(v, spec):
    width = int(spec.split(".")[0] or 0)
    return "-".rjust(width) if v is None else format(v, spec)


def table(rows):
    head = f"{'work':26s} {'thr':>3s} {'fastinit':>9s} {'numpy':>8s} {'torch':>8s} {'x numpy':>8s} {'x torch':>8s}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['name']:26s} {r['threads']:3d} {_fmt(r['melem_s_fastinit'], '9.0f')} "
                     f"{_fmt(r['melem_s_numpy'], '8.0f')} {_fmt(r['melem_s_torch'], '8.0f')} "
                     f"{_fmt(r['ratio_numpy'], '8.2f')} {_fmt(r['ratio_torch'], '8.2f')}")
    return "\n".join(lines)


def machine():
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cores": default_threads(), "simd": _engine.simd_name(),
            "openmp": _engine.openmp_enabled(), "numpy": np.__version__,
            "torch": getattr(_torch(), "__version__", None)}


def main(args):
    if args.device == "cuda":
        from . import _bench_gpu
        result = _bench_gpu.run(numel=args.numel or (1 << 28))
        rows, text = result if isinstance(result, tuple) else (result, None)
        print(json.dumps({"machine": machine(), "rows": rows}, indent=1) if args.json else text)
        return 0
    numel = args.numel or (1 << 24)
    if args.simd:
        _engine.set_simd(args.simd)
    rows = cpu_rows(numel=numel, repeat=args.repeat, threads=args.threads)
    catalog = []
    if not args.no_catalog and _torch() is not None:
        try:
            from . import _bench_catalog
            catalog = _bench_catalog.rows(repeat=args.repeat)
        except ImportError:
            catalog = []
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows, "catalog": catalog}, indent=1))
        return 0
    m = machine()
    print(f"fastinit bench: {numel:,} elements, Melem/s (best of {args.repeat}); "
          f"{m['cores']} cores, SIMD {m['simd']}, OpenMP {m['openmp']}")
    print("NumPy: Generator(PCG64).random / standard_normal; torch: uniform_ / normal_ / "
          "nn.init.trunc_normal_ (same thread count)")
    print(table(rows))
    if catalog:
        print("\nfastinit.torch vs torch.nn.init, same tensors (ms, lower is better)")
        print(f"{'initializer':28s} {'fastinit':>9s} {'torch':>9s} {'speed-up':>9s}")
        for r in catalog:
            print(f"{r['name']:28s} {r['fastinit_ms']:9.1f} {r['torch_ms']:9.1f} {r['ratio']:9.2f}")
    return 0
