"""Check what the release artifacts carry (run by .ci/run after `python -m build` and
`auditwheel repair`):

* the wheel: the package, its headers and kernels.cu (read at run time by the GPU
  backend), LICENSE in the metadata, a manylinux tag and, for an OpenMP build, the
  bundled libgomp; never the C sources (Cython's 1.3 MB _engine.c, engine.c);
* the sdist: everything its own test suite needs (tests/ with conftest.py and
  reference.py, tests/core/cuda_shim.h, asv_benches/, docs/, tools/), LICENSE and
  CHANGELOG.md; not the generated _engine.c.

Usage:  python tools/check_dist.py WHEEL SDIST      (exit 1 with a list of problems)"""
import sys
import tarfile
import zipfile

WHEEL_NEEDS = ("fastinit/__init__.py", "fastinit/engine/sample.h", "fastinit/engine/philox.h",
               "fastinit/engine/kernels.cu")
SDIST_NEEDS = ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "setup.py",
               "MANIFEST.in", "tests/conftest.py", "tests/reference.py",
               "tests/core/cuda_shim.h", "asv_benches/__init__.py", "docs/conf.py",
               "docs/bench_results.json", "tools/arm64_check.py", "tools/arm64_check.c",
               "src/fastinit/engine/engine.c", "src/fastinit/engine/_engine.pyx")


def check_wheel(path):
    names = zipfile.ZipFile(path).namelist()
    problems = [f"wheel lacks {n}" for n in WHEEL_NEEDS if n not in names]
    problems += [f"wheel carries C source {n}" for n in names if n.endswith(".c")]
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        problems.append("wheel metadata lacks LICENSE")
    if "manylinux" not in path:
        problems.append(f"wheel is not manylinux-tagged: {path}")
    if not any("/libgomp" in n for n in names):
        problems.append("wheel bundles no libgomp (built without OpenMP?)")
    return problems


def check_sdist(path):
    with tarfile.open(path) as tf:
        names = tf.getnames()
    top = names[0].split("/")[0]
    rel = {n[len(top) + 1:] for n in names if n.startswith(top + "/")}
    problems = [f"sdist lacks {n}" for n in SDIST_NEEDS if n not in rel]
    problems += [f"sdist carries generated {n}" for n in rel if n.endswith("_engine.c")]
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check_wheel(argv[0]) + check_sdist(argv[1])
    for p in problems:
        print(f"check_dist: {p}")
    print(f"check_dist: {'FAILED' if problems else 'wheel and sdist carry what they should'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
