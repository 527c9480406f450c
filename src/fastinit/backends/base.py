"""The backend interface every array kind implements."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import checks as _checks
from ..core.request import FillRequest
from ..engine import cpu as _cpu


class Backend:
    """The interface.  ``host`` arguments are NumPy arrays of the target's logical
    shape; ``dt`` is a NumPy dtype from :func:`fastinit.core.checks.dtype`."""
    name = "?"

    def claims_array(self, x: Any) -> bool:
        raise NotImplementedError

    def claims_namespace(self, xp: Any) -> bool:
        return False

    def check_device(self, device: Any) -> Any:
        """``device`` normalised for :meth:`empty`/:meth:`from_host`, or a ValueError."""
        if device is None or device == "cpu":
            return None
        raise ValueError(f"device={device!r} is not a device of {self.name} arrays "
                         "(accepted: None, 'cpu'); for GPU arrays pass xp=torch or xp=cupy")

    def shape(self, x: Any) -> tuple:
        s = x.shape
        if type(s) is tuple:            # NumPy, JAX: already a tuple of ints
            return s
        return tuple(int(d) for d in s)

    def dtype(self, x: Any) -> np.dtype:
        return _checks.dtype(x.dtype, "the array's dtype")

    def empty(self, shape: tuple, dt: np.dtype, device: Any) -> Any:
        return self.from_host(np.empty(shape, dt), device)

    def from_host(self, host: np.ndarray, device: Any, chunks: Any = None) -> Any:
        raise NotImplementedError

    def fill(self, x: Any, req: FillRequest) -> Any:
        """Random fill of ``x`` in place; returns ``x``."""
        return self.assign(x, _cpu.fill(np.empty(req.shape, req.dtype), req))

    def assign(self, x: Any, host: np.ndarray) -> Any:
        raise NotImplementedError

    def fill_value(self, x: Any, value: float) -> Any:
        raise NotImplementedError

    def new_random(self, req: FillRequest, device: Any, chunks: Any = None) -> Any:
        return self.fill(self.empty(req.shape, req.dtype, device), req)

    def new_full(self, shape: tuple, value: float, dt: np.dtype, device: Any,
                 chunks: Any = None) -> Any:
        return self.from_host(np.full(shape, value, dt), device, chunks)


def _same_shape(x_shape: tuple, host: np.ndarray) -> None:
    if tuple(host.shape) != tuple(x_shape):
        raise ValueError(f"shape mismatch: {host.shape} into {tuple(x_shape)}")
