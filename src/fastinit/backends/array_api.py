"""JAX and any other Array API namespace: a host fill and one ``asarray`` copy (there is
no native path there)."""
from __future__ import annotations

from typing import Any

import numpy as np
import array_api_compat as _compat

from ..core import checks as _checks
from ..engine import cpu as _cpu
from .base import Backend, _same_shape


class ArrayAPIBackend(Backend):
    """Any namespace array-api-compat knows (array-api-strict, ...): samples are made on
    the host and copied in with ``xp.asarray(..., device=...)``."""
    name = "array-api"

    def __init__(self, xp: Any = None):
        self.xp = xp

    def claims_array(self, x):
        try:
            _compat.array_namespace(x)
        except TypeError:
            return False
        return True

    def claims_namespace(self, xp):
        return hasattr(xp, "asarray") and hasattr(xp, "float32")

    def for_namespace(self, xp: Any) -> "ArrayAPIBackend":
        return type(self)(xp)

    def new_random(self, req, device, chunks=None):
        return self.from_host(_cpu.fill(np.empty(req.shape, req.dtype), req), device)

    def check_device(self, device):
        return device

    def from_host(self, host, device, chunks=None):
        xp = self.xp
        if host.dtype == _checks.BFLOAT16 and not hasattr(xp, "bfloat16"):
            raise TypeError(f"dtype=bfloat16: {getattr(xp, '__name__', xp)} has no bfloat16")
        return xp.asarray(host) if device is None else xp.asarray(host, device=device)

    def new_full(self, shape, value, dt, device, chunks=None):
        xp = self.xp
        kw = {} if device is None else {"device": device}
        return xp.full(shape, value, dtype=getattr(xp, dt.name), **kw)

    def _writable(self, x):
        if not _compat.is_writeable_array(x):
            raise TypeError(f"{type(x).__name__} arrays are immutable; use the return-new form "
                            "(e.g. fastinit.glorot_uniform(shape, xp=...)) instead of the "
                            "in-place one")

    def assign(self, x, host):
        self._writable(x)
        _same_shape(x.shape, host)
        xp = _compat.array_namespace(x)
        x[...] = xp.asarray(np.asarray(host, self.dtype(x)), device=_compat.device(x))
        return x

    def fill_value(self, x, value):
        self._writable(x)
        x[...] = value
        return x


class JaxBackend(ArrayAPIBackend):
    """``jax.numpy`` arrays: immutable, so return-new only (``fastinit.jax`` has the
    ``init(key, shape, dtype)`` initializers that work under ``jit``)."""
    name = "jax"

    def claims_array(self, x):
        return _compat.is_jax_array(x)

    def claims_namespace(self, xp):
        return _compat.is_jax_namespace(xp)

    def from_host(self, host, device, chunks=None):
        import jax
        import jax.numpy as jnp
        arr = jnp.asarray(host)
        return arr if device is None else jax.device_put(arr, device)

    def new_full(self, shape, value, dt, device, chunks=None):
        return self.from_host(np.full(shape, value, dt), device)

    def check_device(self, device):
        if device is None or not isinstance(device, str):
            return device
        import jax
        try:
            return jax.devices(device)[0]
        except RuntimeError:
            raise ValueError(f"device={device!r}: JAX has no such platform "
                             f"(available: {sorted({d.platform for d in jax.devices()})})") from None

    def _writable(self, x):
        raise TypeError(f"{type(x).__name__} arrays are immutable; use the return-new form "
                        "(e.g. fastinit.glorot_uniform(shape, xp=jax.numpy)) or fastinit.jax")
