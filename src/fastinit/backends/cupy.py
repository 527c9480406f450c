"""CuPy arrays: filled on their device by the CUDA kernels."""
from __future__ import annotations


import numpy as np
import array_api_compat as _compat

from ..engine import cuda_errors as _cuda_errors
from .base import Backend, _same_shape
from .torch import _gpu_module


@_cuda_errors.explained
class CupyBackend(Backend):
    name = "cupy"

    def claims_array(self, x):
        return _compat.is_cupy_array(x)

    def claims_namespace(self, xp):
        return _compat.is_cupy_namespace(xp)

    def check_device(self, device):
        if device is None:
            return None
        import cupy
        try:
            return device if isinstance(device, cupy.cuda.Device) else cupy.cuda.Device(device)
        except Exception:
            raise ValueError(f"device={device!r} is not a CuPy device (an int or "
                             "cupy.cuda.Device)") from None

    def empty(self, shape, dt, device):
        import cupy
        if device is None:
            return cupy.empty(shape, dt)
        with device:
            return cupy.empty(shape, dt)

    def from_host(self, host, device, chunks=None):
        import cupy
        if device is None:
            return cupy.asarray(host)
        with device:
            return cupy.asarray(host)

    def fill(self, x, req):
        return _gpu_module().fill_device(x, req)

    def assign(self, x, host):
        import cupy
        _same_shape(x.shape, host)
        with x.device:
            x[...] = cupy.asarray(np.asarray(host, x.dtype))
        return x

    def fill_value(self, x, value):
        x.fill(value)
        return x
