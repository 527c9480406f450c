"""python -m fastinit {demo,diagnose,bench,info,selftest}"""
import argparse
import os
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["demo"]:  # the demo parses its own options
        from .tools import demo as demo_mod
        return demo_mod.main(argv[1:])
    if argv[:1] == ["diagnose"]:  # so does the model diagnosis
        from .diagnosis import cli as diagnose_cli
        return diagnose_cli.main(argv[1:])
    if argv[:1] == ["selftest"]:  # so does the statistical battery
        from .tools import selftest as selftest_mod
        return selftest_mod.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m fastinit", description=__doc__)
    from . import __version__
    parser.add_argument("--version", action="version",
                        version=f"fastinit {__version__} (distribution fastinit-nn)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="the seeds' lesson: how initialisation decides whether a deep net "
                                "trains (python -m fastinit demo --help)")
    sub.add_parser("diagnose", help="does your model's initialisation vanish or explode? "
                                    "(python -m fastinit diagnose --help)")
    sub.add_parser("selftest", help="statistical battery: chi2 against exact CDFs, tails, "
                                    "moments, pairs (python -m fastinit selftest --help)")
    bench = sub.add_parser("bench", help="speed against NumPy and torch, measured in one run")
    bench.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    bench.add_argument("--numel", type=int, default=None, help="elements per tensor")
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--threads", type=int, default=None, help="the 'all threads' count")
    bench.add_argument("--json", action="store_true", help="machine-readable output")
    bench.add_argument("--no-catalog", action="store_true", help="skip the fastinit.torch rows")
    bench.add_argument("--no-small", action="store_true", help="skip the small-call rows")
    bench.add_argument("--models", action="store_true",
                       help="add whole-model rows (HF GPT-2, ~1B Llama, DTensor; minutes, ~10 GB)")
    bench.add_argument("--diagnose", action="store_true",
                       help="add the cost of fastinit.diagnose and fastinit.torch.lsuv_")
    bench.add_argument("--simd", choices=["generic", "avx2", "avx512"], default=None,
                       help="force one CPU SIMD path (all give the same bits)")
    sub.add_parser("info", help="build facts: SIMD path, OpenMP, version")
    args = parser.parse_args(argv)
    if args.command == "bench":
        from .tools import bench as bench_mod
        if args.device != "cuda":
            return bench_mod.main(args)
        try:
            return bench_mod.main(args)
        except RuntimeError as e:   # no CuPy / driver / device: say so, no traceback
            print(f"python -m fastinit bench --device cuda: {e}", file=sys.stderr)
            return 1
    if args.command == "info":
        return info()
    parser.print_help()
    return 0


def info():
    """Build and run-time facts, one per line (what a bug report needs)."""
    from . import __version__, engine as _core
    from .tools.bench import machine
    print(f"fastinit {__version__} (distribution fastinit-nn)")
    facts = machine()
    for k, v in facts.items():
        if k == "openmp" and not v:
            v = "False (built without OpenMP: fills run on one thread, same results)"
        print(f"  {k}: {v}")
    # libgomp reads it when it loads: fastinit's own copy, and any loaded after import
    spin = os.environ.get("GOMP_SPINCOUNT")
    print(f"  GOMP_SPINCOUNT: {spin if spin is not None else '(unset)'} "
          f"({_core.GOMP_SPINCOUNT_ORIGIN}; short spins keep idle OpenMP threads off "
          "the cores BLAS needs next)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
