"""The compiled engine (_engine) and the C/CUDA headers it shares with the GPU kernels.

FASTINIT_SIMD=generic|avx2|avx512 forces one SIMD path of the CPU engine (all give the
same bits; the default is the widest this CPU runs)."""
import os as _os

from . import _engine

if _os.environ.get("FASTINIT_SIMD"):
    _engine.set_simd(_os.environ["FASTINIT_SIMD"])
