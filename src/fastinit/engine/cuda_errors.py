"""Plain-words errors for machines where CUDA cannot run.

CuPy reports a missing or too-old NVIDIA driver as ``CUDARuntimeError:
cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime
version``, which reads like a version puzzle even on a machine with no GPU at all.
:func:`explained` wraps a GPU backend class so that such errors, raised by any of its
methods, become a RuntimeError saying what is wrong and what to do; the original error
stays chained (``__cause__``).  Errors that are not about the driver or device pass
through unchanged.  Nothing here imports CuPy or torch.
"""
import functools
from typing import Any, Optional

# CUDA error name (runtime or driver API) -> what it means for the user
_MEANINGS = {
    "cudaErrorInsufficientDriver": "no NVIDIA driver is loaded, or it is older than the "
                                   "CUDA runtime CuPy was built for",
    "CUDA_ERROR_INSUFFICIENT_DRIVER": "no NVIDIA driver is loaded, or it is older than the "
                                      "CUDA runtime CuPy was built for",
    "cudaErrorSystemDriverMismatch": "the NVIDIA kernel driver and its user-space library "
                                     "(libcuda) have different versions",
    "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH": "the NVIDIA kernel driver and its user-space "
                                         "library (libcuda) have different versions",
    "cudaErrorNoDevice": "no CUDA-capable GPU is visible (check CUDA_VISIBLE_DEVICES)",
    "CUDA_ERROR_NO_DEVICE": "no CUDA-capable GPU is visible (check CUDA_VISIBLE_DEVICES)",
    "cudaErrorInvalidDevice": "the requested GPU index does not exist on this machine",
    "CUDA_ERROR_INVALID_DEVICE": "the requested GPU index does not exist on this machine",
}
_ADVICE = ("check `nvidia-smi`; install the CuPy wheel for your driver's CUDA major "
           "version (pip install cupy-cuda12x or cupy-cuda13x: the [cupy12]/[cupy13] "
           "extras), or fill a CPU array")


def explain(message: str) -> Optional[str]:
    """The plain-words explanation of a CUDA error message, or None if it names none of
    the driver/device errors above."""
    for name, meaning in _MEANINGS.items():
        if name in message:
            return f"CUDA is not usable here: {meaning} ({name}); {_ADVICE}"
    return None


def _is_cuda_error(exc: BaseException) -> bool:
    # CuPy's CUDARuntimeError / CUDADriverError, cuda-python's CUDAError, by name: no import
    return any("CUDA" in cls.__name__ or "Cuda" in cls.__name__
               for cls in type(exc).__mro__)


def _wrap(fn: Any) -> Any:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            text = explain(str(exc)) if _is_cuda_error(exc) else None
            if text is None:
                raise
            raise RuntimeError(text) from exc
    return call


def explained(cls: type) -> type:
    """Class decorator: every public method of a GPU backend explains driver errors."""
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, _wrap(member))
    return cls
