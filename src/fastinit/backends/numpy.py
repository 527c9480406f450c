"""NumPy arrays: filled in place by the C engine."""
from __future__ import annotations

from typing import Any

import numpy as np
import array_api_compat as _compat

from ..core import checks as _checks
from ..engine import cpu as _cpu
from .base import Backend, _same_shape


class NumpyBackend(Backend):
    name = "numpy"

    def claims_array(self, x: Any) -> bool:
        return isinstance(x, np.ndarray)

    def claims_namespace(self, xp: Any) -> bool:
        return xp is np or _compat.is_numpy_namespace(xp)

    def empty(self, shape, dt, device):
        return np.empty(shape, dt)

    def from_host(self, host, device, chunks=None):
        return host

    def fill(self, x, req):
        _checks.numpy_out(x)
        return _cpu.fill(x, req)

    def assign(self, x, host):
        _checks.numpy_out(x)
        _same_shape(x.shape, host)
        x[...] = host
        return x

    def fill_value(self, x, value):
        _checks.numpy_out(x)
        x[...] = value
        return x

    def new_random(self, req, device, chunks=None):
        return _cpu.fill(np.empty(req.shape, req.dtype), req)

    def new_full(self, shape, value, dt, device, chunks=None):
        return np.full(shape, value, dt)
