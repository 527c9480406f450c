"""The compiled engine (_engine) and the C/CUDA headers it shares with the GPU kernels.

FASTINIT_SIMD=generic|avx2|avx512 forces one SIMD path of the CPU engine (all give the
same bits; the default is the widest this CPU runs)."""
import os as _os

# libgomp's idle threads spin for ~300k iterations after each parallel fill, starving
# BLAS threads that run next (a 512x512 fill + matmul measured 8.9 ms instead of 1.9 ms
# on 2 cores).  A short spin costs nothing here; set before libgomp loads.  A value the
# user set wins, and so does an OMP_WAIT_POLICY (a spin count would override it).
if "GOMP_SPINCOUNT" in _os.environ:
    GOMP_SPINCOUNT_ORIGIN = "set by the user"
elif "OMP_WAIT_POLICY" in _os.environ:
    GOMP_SPINCOUNT_ORIGIN = "left unset: OMP_WAIT_POLICY is set"
else:
    _os.environ["GOMP_SPINCOUNT"] = "10000"
    GOMP_SPINCOUNT_ORIGIN = "set by fastinit on import (unset before)"

from . import _engine  # noqa: E402

if _os.environ.get("FASTINIT_SIMD"):
    _engine.set_simd(_os.environ["FASTINIT_SIMD"])
