"""The compiled engine (_engine) and the C/CUDA headers it shares with the GPU kernels.

FASTINIT_SIMD=generic|avx2|avx512 forces one SIMD path of the CPU engine (all give the
same bits; the default is the widest this CPU runs)."""
import os as _os

# libgomp's idle threads spin for ~300k iterations after each parallel fill, starving
# BLAS threads that run next (a 512x512 fill + matmul measured 8.9 ms instead of 1.9 ms
# on 2 cores).  A short spin costs nothing here; set before libgomp loads, overridable.
_os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from . import _engine  # noqa: E402

if _os.environ.get("FASTINIT_SIMD"):
    _engine.set_simd(_os.environ["FASTINIT_SIMD"])
