"""A machine without a usable NVIDIA driver gets a plain-words RuntimeError from the GPU
backends, not CuPy's raw cudaErrorInsufficientDriver.  Runs without a GPU: the CUDA
errors are stand-ins with CuPy's class name and message text."""
import importlib.util
import sys
import types

import numpy as np
import pytest

from fastinit import backends as _backends
from fastinit.engine import cuda_errors as _cuda_errors

RAW = ("cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA "
       "runtime version")


class CUDARuntimeError(RuntimeError):
    """Stand-in for cupy_backends.cuda.api.runtime.CUDARuntimeError (matched by name)."""


def test_explain_names_the_cause_and_the_fix():
    text = _cuda_errors.explain(RAW)
    assert "driver" in text and "cudaErrorInsufficientDriver" in text
    assert "nvidia-smi" in text and "cupy12" in text
    assert _cuda_errors.explain("CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected")
    assert _cuda_errors.explain("out of memory allocating 8 bytes") is None


def test_decorated_methods_translate_driver_errors_only():
    @_cuda_errors.explained
    class Fake:
        def no_driver(self):
            raise CUDARuntimeError(RAW)

        def bad_value(self):
            raise ValueError("seed must be an int")

        def other_cuda_error(self):
            raise CUDARuntimeError("cudaErrorMemoryAllocation: out of memory")

    with pytest.raises(RuntimeError, match="CUDA is not usable here") as info:
        Fake().no_driver()
    assert isinstance(info.value.__cause__, CUDARuntimeError)      # the original is kept
    with pytest.raises(ValueError, match="seed must be an int"):
        Fake().bad_value()
    with pytest.raises(CUDARuntimeError, match="out of memory"):
        Fake().other_cuda_error()


def test_an_ordinary_error_mentioning_the_name_is_not_rewritten():
    @_cuda_errors.explained
    class Fake:
        def f(self):
            raise KeyError(RAW)

    with pytest.raises(KeyError):
        Fake().f()


def test_cupy_backend_without_driver(monkeypatch):
    """The CuPy backend's first CUDA call (allocation) on a driverless machine."""
    def empty(shape, dtype):
        raise CUDARuntimeError(RAW)

    fake = types.SimpleNamespace(empty=empty, asarray=empty)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(RuntimeError, match="no NVIDIA driver is loaded") as info:
        _backends.CupyBackend().empty((4,), np.dtype("float32"), None)
    assert "nvidia-smi" in str(info.value)


def test_torch_cuda_backend_is_wrapped():
    fill = _backends.TorchCUDABackend.fill
    assert getattr(fill, "__wrapped__", None) is not None


def test_real_cupy_without_a_device():
    if importlib.util.find_spec("cupy") is None:
        pytest.skip("CuPy is not installed")
    import cupy
    try:
        if cupy.cuda.runtime.getDeviceCount() > 0:
            pytest.skip("a CUDA device is present")
    except Exception:
        pass
    import fastinit
    with pytest.raises(RuntimeError, match="CUDA is not usable here"):
        fastinit.normal((4,), seed=0, xp=cupy)
