"""Build of the Cython/C engine: -O3, no FMA contraction, no fast-math, OpenMP if the
compiler has it.  AVX2 / AVX-512 copies are chosen at run time inside the extension
(engine.c), so wheels and source builds run on any x86-64 or arm64."""
import os
import subprocess
import sys
import sysconfig
import tempfile

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from Cython.Build import cythonize


def _compiler_accepts(flag):
    # the compiler setuptools will use: $CC, else the one Python was built with
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() < 0;}\n")
        try:
            return subprocess.run([*cc, flag, src, "-o", os.path.join(d, "t")],
                                  capture_output=True).returncode == 0
        except OSError:
            return False


def _openmp():
    """Whether to build with OpenMP, and a note for the build log when not."""
    if sys.platform == "win32":
        return False, "Windows build: OpenMP is not wired up there"
    if os.environ.get("FASTINIT_NO_OPENMP") == "1":
        return False, "FASTINIT_NO_OPENMP=1 is set"
    if not _compiler_accepts("-fopenmp"):
        return False, "the C compiler does not accept -fopenmp or has no omp.h (Apple clang)"
    return True, ""


openmp, why_not = _openmp()
if not openmp:
    # fills stay correct and give the same bits; threads=N just runs on one core
    print(f"fastinit: building WITHOUT OpenMP ({why_not}); fills will use one thread "
          "(same results). `python -m fastinit info` shows 'openmp: False'.",
          file=sys.stderr)
# -ffp-contract=off: no FMA, so every backend rounds identically.  The other three
# change no value: -fno-math-errno lets sqrt vectorise, -fno-trapping-math lets the
# branch-free selects around divisions if-convert, -fno-wrapv undoes Python's -fwrapv
# (which stops the vectoriser proving index arithmetic linear).  No -ffast-math.
compile_args = ["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno",
                "-fno-trapping-math", "-fno-wrapv"]
link_args = []
if openmp:
    compile_args.append("-fopenmp")
    link_args.append("-fopenmp")

ext = Extension(
    "fastinit.engine._engine",
    sources=["src/fastinit/engine/_engine.pyx", "src/fastinit/engine/engine.c"],
    include_dirs=["src/fastinit/engine", numpy.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    depends=["src/fastinit/engine/philox.h", "src/fastinit/engine/sample.h",
             "src/fastinit/engine/engine.h", "src/fastinit/engine/contract.h", "src/fastinit/engine/fill_impl.h",
             "src/fastinit/engine/dists.h",
             "src/fastinit/engine/philox_avx2.h", "src/fastinit/engine/philox_avx512.h"],
)

class BuildExt(build_ext):
    """Recompile when the OpenMP choice differs from the last build in this tree: the
    up-to-date check looks only at timestamps, so pip's in-tree builds would otherwise
    reuse an extension built the other way (FASTINIT_NO_OPENMP=1 silently ignored)."""

    def run(self):
        stamp = os.path.join(self.build_temp, "fastinit-openmp.txt")
        want = "1" if openmp else "0"
        try:
            with open(stamp) as f:
                self.force = self.force or f.read() != want
        except OSError:      # no record: a fresh tree (nothing to reuse) or an old build
            self.force = True
        super().run()
        os.makedirs(self.build_temp, exist_ok=True)
        with open(stamp, "w") as f:
            f.write(want)


setup(ext_modules=cythonize([ext], language_level=3), cmdclass={"build_ext": BuildExt})
