"""python -m fastinit {demo,bench,info}"""
import argparse
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["demo"]:  # the demo parses its own options
        from . import demo as demo_mod
        return demo_mod.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m fastinit", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="the seeds' lesson: how initialisation decides whether a deep net "
                                "trains (python -m fastinit demo --help)")
    bench = sub.add_parser("bench", help="speed against NumPy and torch, measured in one run")
    bench.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    bench.add_argument("--numel", type=int, default=None, help="elements per tensor")
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--threads", type=int, default=None, help="the 'all threads' count")
    bench.add_argument("--json", action="store_true", help="machine-readable output")
    bench.add_argument("--no-catalog", action="store_true", help="skip the fastinit.torch rows")
    bench.add_argument("--no-small", action="store_true", help="skip the small-call rows")
    bench.add_argument("--simd", choices=["generic", "avx2", "avx512"], default=None,
                       help="force one CPU SIMD path (all give the same bits)")
    sub.add_parser("info", help="build facts: SIMD path, OpenMP, version")
    args = parser.parse_args(argv)
    if args.command == "bench":
        from . import bench as bench_mod
        return bench_mod.main(args)
    if args.command == "info":
        from . import __version__
        from .bench import machine
        print(f"fastinit {__version__}")
        for k, v in machine().items():
            print(f"  {k}: {v}")
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
