"""`python -m fastinit bench`: fastinit against NumPy and torch on the same work,
measured in one run (this machine is shared and noisy: read the ratios, not the
absolute numbers).

* :mod:`.cpu` -- throughput of the three samplers on a large buffer;
* :mod:`.small` -- per-call cost of small fills (the Python overhead);
* :mod:`.catalog` -- ``fastinit.torch`` against ``torch.nn.init``;
* :mod:`.jaxinit` -- ``fastinit.jax`` against ``jax.nn.initializers`` under ``jax.jit``
  (one device and sharded over 8 host devices);
* :mod:`.models` -- ``--models``: whole models (Hugging Face GPT-2 and a ~1 B Llama from
  meta, a plain torch model) and a 2-rank DTensor against torch's own init;
* :mod:`.zoo` -- ``--models`` too: torchtitan's Llama-3 (``init_module``), torchvision's
  resnet50 and a Hugging Face 1.1 B Llama from config (``build``, with peak memory);
* :mod:`.diagnose` -- ``--diagnose``: the cost of ``fastinit.diagnose`` and
  ``fastinit.torch.lsuv_`` against plain passes of the same models;
* :mod:`.gpu` -- ``--device cuda``;
* :mod:`.timing` -- the one timer they all use.
"""
import importlib.util
import json
import math
import platform

import numpy as np

from ...core.checks import default_threads
from ...engine import _engine
from . import cpu, small
from .cpu import cpu_rows, optional_torch  # noqa: F401  (cpu_rows: the row builder)


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
            "openmp": _engine.openmp_enabled(),
            # after os.fork() the child fills on one thread (GNU libgomp is not fork-safe)
            "forked_serial": _engine.forked_serial(), "numpy": np.__version__,
            "torch": getattr(optional_torch(), "__version__", None)}


def main(args):
    if args.device == "cuda":
        from . import gpu
        result = gpu.run(numel=args.numel or (1 << 28))
        rows, text = result if isinstance(result, tuple) else (result, None)
        print(json.dumps({"machine": machine(), "rows": rows}, indent=1) if args.json else text)
        return 0
    numel = args.numel or (1 << 24)
    if args.simd:
        _engine.set_simd(args.simd)
    rows = cpu.cpu_rows(numel=numel, repeat=args.repeat, threads=args.threads)
    catalog = []
    if not args.no_catalog and optional_torch() is not None:
        try:
            from . import catalog as catalog_rows
            catalog = catalog_rows.rows(repeat=args.repeat)
        except ImportError:
            catalog = []
    jax_rows = []
    if not args.no_catalog and importlib.util.find_spec("jax") is not None:
        from . import jaxinit
        jax_rows = jaxinit.run(side=math.isqrt(numel), repeat=args.repeat)
    small_rows = [] if getattr(args, "no_small", False) else small.rows(repeat=args.repeat)
    model_rows = []
    if getattr(args, "models", False) and optional_torch() is not None:
        from . import models
        model_rows = models.rows(repeat=min(args.repeat, 3))
        from . import zoo
        model_rows += zoo.rows(repeat=min(args.repeat, 2))
    diag_rows = []
    if getattr(args, "diagnose", False) and optional_torch() is not None:
        from . import diagnose as diag
        diag_rows = diag.rows(repeat=min(args.repeat, 3))
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows, "catalog": catalog,
                          "small": small_rows, "jax": jax_rows,
                          "models": model_rows, "diagnose": diag_rows}, indent=1))
        return 0
    m = machine()
    print(f"fastinit bench: {numel:,} elements, Melem/s (best of {args.repeat}); "
          f"{m['cores']} cores, SIMD {m['simd']}, OpenMP {m['openmp']}")
    print("NumPy: Generator(PCG64).random / standard_normal; torch: uniform_ / normal_ / "
          "nn.init.trunc_normal_ (same thread count)")
    print(table(rows))
    if small_rows:
        print("\nsmall calls: per-call time of normal_ (us, lower is better), same run")
        print(small.table(small_rows))
    if catalog:
        print("\nfastinit.torch vs torch.nn.init, same tensors (ms, lower is better)")
        print(f"{'initializer':28s} {'fastinit':>9s} {'torch':>9s} {'speed-up':>9s}")
        for r in catalog:
            print(f"{r['name']:28s} {r['fastinit_ms']:9.1f} {r['torch_ms']:9.1f} {r['ratio']:9.2f}")
    if jax_rows:
        print("\nfastinit.jax vs jax.nn.initializers, both under jax.jit on the CPU "
              "(ms, lower is better)")
        print(jaxinit.table(jax_rows))
    if model_rows:
        from . import models
        from . import zoo
        print("\nwhole models: init_module / build vs the model's own init; DTensor normal_ "
              "(same run)")
        print(models.table(model_rows))
        mem = zoo.memory_table(model_rows)
        if mem:
            print(mem)
    if diag_rows:
        from . import diagnose as diag
        print("\nfastinit.diagnose vs one forward + backward; fastinit.torch.lsuv_ "
              "(same run)")
        print(diag.table(diag_rows))
    return 0
