"""Same bits on arm64: compile the CPU engine (src/fastinit/engine/engine.c and the
headers it shares with the GPU kernels) with tools/arm64_check.c for aarch64 with
Debian's cross gcc, run it under qemu-user, and compare its output byte for byte with
the same harness built for the host (every SIMD path this CPU runs) and with the
installed fastinit's public functions, for every distribution x dtype, several
parameter sets, seeds, flat offsets and N-d shards (fi_fill and fi_fill_shard; some
cross 2**32 Philox blocks).

Usage:  python tools/arm64_check.py [--require]
Needs:  apt-get install gcc-aarch64-linux-gnu qemu-user   (and a host C compiler)
Exit status: 0 identical, 1 a difference, 2 tools missing and --require given
(without --require a missing tool is reported and the check exits 0).
The compiler flags are read from setup.py, so the harness builds what wheels build."""
import argparse
import ast
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, "src", "fastinit", "engine")
HARNESS = os.path.join(ROOT, "tools", "arm64_check.c")
CROSS_CC = os.environ.get("AARCH64_CC", "aarch64-linux-gnu-gcc")
QEMU = os.environ.get("QEMU_AARCH64", "qemu-aarch64")
SYSROOT = "/usr/aarch64-linux-gnu"

ITEMSIZE = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}
SEEDS = ((20241125, 3), (2**64 - 1, 2**63 + 5))
# (first element, count): aligned, a partial first Philox block, past 2**24, and a run
# whose block index crosses 2**32 (the low counter word wraps inside it)
SHARDS = ((0, 4099), (3, 1001), (12_345_677, 777), (4 * 2**32 - 6, 600))
# (shape, global_shape, start) of N-d shards (fi_fill_shard's run/odometer walk): rows of
# a matrix, a 3-d block whose last axis is whole, one past 2**32 Philox blocks
ND_SHARDS = (((11, 100), (37, 129), (5, 3)),
             ((2, 50, 70), (4, 300, 70), (1, 7, 0)),
             ((3, 1000), (2**17, 2**17), (2**16 + 1, 5)))
DISTS = (("uniform", (-1.5, 2.0)), ("uniform", (0.0, 1.0)), ("normal", (0.1, 2.0)),
         ("truncated_normal", (0.0, 1.0, -2.0, 2.0)),
         ("truncated_normal", (0.5, 0.02, 0.51, 0.6)))    # one-sided tail


def compile_args():
    """setup.py's compile_args list (read, not executed: setup.py builds when run)."""
    tree = ast.parse(open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "compile_args"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError("setup.py has no literal compile_args list")


def missing_tools():
    """Names of the tools this check needs and cannot find."""
    need = [os.environ.get("CC", "cc"), CROSS_CC, QEMU]
    missing = [t for t in need if shutil.which(t) is None]
    if not os.path.isdir(SYSROOT) and CROSS_CC not in missing:
        missing.append(SYSROOT)
    return missing


def build(cc, out, extra=()):
    cmd = [cc, *compile_args(), *extra, "-Wall", "-Wno-unknown-pragmas", f"-I{CORE}",
           HARNESS, os.path.join(CORE, "engine.c"), "-o", out, "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:   # e.g. a header that only x86 includes pulled in
        raise BuildError(f"{cc} cannot build the engine:\n{r.stderr[-3000:]}")
    return out


class BuildError(RuntimeError):
    pass


def _hex(x):
    return format(struct.unpack("<Q", struct.pack("<d", float(x)))[0], "016x")


def cases():
    """[(label, harness line, nbytes, expected bytes or None)].  Expected bytes come
    from the installed fastinit's public API (None when it cannot be imported)."""
    try:
        import numpy as np
        import fastinit
        from fastinit.core import host as _host
    except ImportError as e:
        raise SystemExit(f"arm64_check: needs the installed fastinit ({e})")
    fmts = {"float32": _host.F32, "float64": _host.F64, "float16": _host.F16,
            "bfloat16": _host.BF16}
    out = []
    for seed, stream in SEEDS:
        for start, n in ((0, 1027), (4 * 2**32 - 9, 50)):
            want = fastinit.random_raw(n, seed=seed, stream=stream, start=start)
            out.append((f"raw seed={seed} stream={stream} start={start}",
                        f"raw {seed} {stream} {start} {n}", 4 * n,
                        np.asarray(want, "<u4").tobytes()))
        for dtype, fmt in fmts.items():
            for dist, args in DISTS:
                if dist == "uniform":
                    params, code = _host.uniform_params(fmt, *args), _host.UNIFORM
                elif dist == "normal":
                    params, code = _host.normal_params(fmt, *args), _host.NORMAL
                else:
                    params, code = _host.truncated_params(fmt, *args), _host.TRUNCATED
                for shape, gshape, start in ND_SHARDS:
                    got = getattr(fastinit, dist)(shape, *args, seed=seed, stream=stream,
                                                  dtype=dtype, global_shape=gshape,
                                                  start=start)
                    dims = " ".join(str(d) for d in (*shape, *gshape, *start))
                    line = " ".join([f"shard {fmt} {code} {seed} {stream} {len(shape)} {dims}",
                                     *(_hex(p) for p in params)])
                    out.append((f"{dist}{args} {dtype} seed={seed} stream={stream} "
                                f"shard {shape} of {gshape} at {start}", line,
                                ITEMSIZE[dtype] * int(np.prod(shape)),
                                np.ascontiguousarray(got).tobytes()))
                for e0, n in SHARDS:
                    got = getattr(fastinit, dist)((n,), *args, seed=seed, stream=stream,
                                                  dtype=dtype, global_shape=(e0 + n,),
                                                  start=(e0,))
                    line = " ".join([f"fill {fmt} {code} {seed} {stream} {e0} {n}",
                                     *(_hex(p) for p in params)])
                    out.append((f"{dist}{args} {dtype} seed={seed} stream={stream} "
                                f"e0={e0} n={n}", line, ITEMSIZE[dtype] * n,
                                np.ascontiguousarray(got).tobytes()))
    return out


def run(cmd, stdin):
    r = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): "
                           f"{r.stderr.decode(errors='replace')}")
    return r.stdout


def compare(name, blob, table):
    """Split `blob` by case and report the cases whose bytes differ from the expected."""
    bad, pos = [], 0
    for label, _, nbytes, want in table:
        got = blob[pos:pos + nbytes]
        pos += nbytes
        if got != want:
            first = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]),
                         min(len(got), len(want)))
            bad.append(f"{name}: {label}: first difference at byte {first}")
    if pos != len(blob):
        bad.append(f"{name}: wrote {len(blob)} bytes, expected {pos}")
    return bad


def check(workdir):
    """Build and run everything; return (report lines, difference lines)."""
    table = cases()
    stdin = ("\n".join(line for _, line, _, _ in table) + "\n").encode()
    host = build(os.environ.get("CC", "cc"), os.path.join(workdir, "check_host"))
    arm = build(CROSS_CC, os.path.join(workdir, "check_aarch64"))
    report, diffs = [f"{len(table)} cases, flags {' '.join(compile_args())}"], []
    for level, simd in enumerate(("generic", "avx2", "avx512")):
        r = subprocess.run([host, str(level)], input=b"", capture_output=True)
        if r.returncode == 2:           # this CPU lacks the path (or it is not x86)
            continue
        diffs += compare(f"host {simd}", run([host, str(level)], stdin), table)
        report.append(f"host {simd}: compared")
    diffs += compare("aarch64 (qemu)", run([QEMU, "-L", SYSROOT, arm], stdin), table)
    report.append("aarch64 under qemu: compared")
    return report, diffs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--require", action="store_true",
                    help="fail (exit 2) instead of skipping when a tool is missing")
    args = ap.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"arm64_check: skipped, missing {', '.join(missing)} "
              "(apt-get install gcc-aarch64-linux-gnu qemu-user)")
        return 2 if args.require else 0
    with tempfile.TemporaryDirectory() as d:
        try:
            report, diffs = check(d)
        except BuildError as e:
            print(f"arm64_check: FAILED: {e}")
            return 1
    for line in report:
        print(f"arm64_check: {line}")
    for line in diffs:
        print(f"arm64_check: DIFFERENT {line}")
    print(f"arm64_check: {'FAILED' if diffs else 'same bits on aarch64 and the host'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
