"""The backend table: one small class per array kind, each with the same methods.

A backend says which arrays and namespaces are its own and how to make, fill and write
them.  The public functions pick one (:func:`for_array`, :func:`for_target`) and hand it
a validated :class:`~fastinit.core.request.FillRequest`; adding an array kind is adding one
class and :func:`register`-ing it (the torch DTensor and JAX sharded backends do).

Routes: NumPy is filled in place by the C engine; torch CPU tensors through a zero-copy
NumPy view; CuPy arrays and torch CUDA tensors on their device by the CUDA kernels
(``_gpu.py``, never a silent host round trip); Dask lazily, chunk by chunk, each chunk a
block of the whole tensor; JAX and any other Array API namespace by a host fill and one
``asarray`` copy (documented: there is no native path there).
"""
from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import array_api_compat as _compat

from .base import Backend
from .numpy import NumpyBackend
from .torch import (CPU as _TORCH_CPU, CUDA as _TORCH_CUDA, TorchCPUBackend,  # noqa: F401
                    TorchCUDABackend, _TorchBase, by_device as _torch_by_device, bump_version,
                    torch_dtype, torch_from_numpy)
from .cupy import CupyBackend
from .dask import DaskBackend
from .array_api import ArrayAPIBackend, JaxBackend
from .dtensor import DTensorBackend


# ---- the table --------------------------------------------------------------------------------
_NUMPY = NumpyBackend()
BACKENDS: list[Backend] = [_NUMPY, _TORCH_CPU, _TORCH_CUDA, CupyBackend(), DaskBackend(),
                           JaxBackend(), ArrayAPIBackend()]
_by_type: dict[type, Any] = {np.ndarray: _NUMPY}   # type -> backend, or a function of x
_TYPE_DECIDED = (NumpyBackend, CupyBackend, DaskBackend, JaxBackend)


def register(backend: Backend, first: bool = True) -> Backend:
    """Add a backend to the table (ahead of the built-ins unless ``first=False``)."""
    if first:
        BACKENDS.insert(0, backend)
    else:
        BACKENDS.insert(len(BACKENDS) - 1, backend)   # the Array API fallback stays last
    _by_type.clear()
    _by_type[np.ndarray] = _NUMPY
    return backend


def for_array(x: Any, name: str = "array") -> Backend:
    """The backend of an existing array (TypeError for anything that is not an array).
    Kinds decided by the type alone are remembered per type (small calls are frequent)."""
    b = _by_type.get(type(x))
    if b is not None:
        return b if isinstance(b, Backend) else b(x)
    for b in BACKENDS:
        if b.claims_array(x):
            if isinstance(b, _TYPE_DECIDED):
                _by_type[type(x)] = b
            elif isinstance(b, _TorchBase):
                _by_type[type(x)] = _torch_by_device
            if type(b) is ArrayAPIBackend:
                return b.for_namespace(_compat.array_namespace(x))
            return b
    raise TypeError(f"{name} must be an array of a supported framework (NumPy, torch, CuPy, "
                    f"JAX, Dask, any Array API namespace); got {type(x).__name__}")


_NAMESPACE_NAMES = {"numpy": "numpy", "np": "numpy", "torch": "torch", "cupy": "cupy",
                    "jax": "jax.numpy", "jax.numpy": "jax.numpy", "jnp": "jax.numpy",
                    "dask": "dask.array", "dask.array": "dask.array",
                    "array_api_strict": "array_api_strict"}


def _not_a_namespace(xp: Any) -> TypeError:
    return TypeError(f"xp={getattr(xp, '__name__', xp)!r} is not an array namespace (pass "
                     "numpy, torch, cupy, jax.numpy, dask.array, array_api_strict, or any "
                     "Array API namespace module)")


def namespace(xp: Any) -> Any:
    """``xp`` as a namespace module: a module, or one of the names in _NAMESPACE_NAMES."""
    if isinstance(xp, str):
        module = _NAMESPACE_NAMES.get(xp)
        if module is None:
            raise TypeError(f"xp={xp!r} is not a known array namespace name (accepted: "
                            f"{', '.join(sorted(_NAMESPACE_NAMES))}, or the module itself)")
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            raise TypeError(f"xp={xp!r}: {module} is not installed ({exc})") from None
    if not hasattr(xp, "asarray") or not hasattr(xp, "__name__"):
        raise _not_a_namespace(xp)
    return xp


def for_target(xp: Any = None, device: Any = None, like: Any = None) -> tuple[Backend, Any]:
    """(backend, normalised device) of a new array: namespace ``xp``, or that of ``like``,
    or NumPy; ``device`` as given, or that of ``like``."""
    if xp is None and like is not None:
        b = for_array(like, "like")
        if device is None and not isinstance(b, NumpyBackend):
            device = _compat.device(like)
        return b, b.check_device(device)
    if xp is None:
        return _NUMPY, _NUMPY.check_device(device)
    xp = namespace(xp)
    for b in BACKENDS:
        if b.claims_namespace(xp):
            if isinstance(b, _TorchBase):
                dev = b.check_device(device)
                b = _TORCH_CUDA if dev is not None and dev.type == "cuda" else _TORCH_CPU
                return b, dev
            if type(b) is ArrayAPIBackend:
                b = b.for_namespace(xp)
            return b, b.check_device(device)
    raise _not_a_namespace(xp)


# torch DTensors (FSDP2 / tensor parallel): each rank fills its own shard


# torch DTensors (FSDP2 / tensor parallel): each rank fills its own shard
register(DTensorBackend())
