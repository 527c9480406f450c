"""The backend table: one small class per array kind, each with the same methods.

A backend says which arrays and namespaces are its own and how to make, fill and write
them.  The public functions pick one (:func:`for_array`, :func:`for_target`) and hand it
a validated :class:`~fastinit._request.FillRequest`; adding an array kind is adding one
class and :func:`register`-ing it (the torch DTensor and JAX sharded backends do).

Routes: NumPy is filled in place by the C engine; torch CPU tensors through a zero-copy
NumPy view; CuPy arrays and torch CUDA tensors on their device by the CUDA kernels
(``_gpu.py``, never a silent host round trip); Dask lazily, chunk by chunk, each chunk a
block of the whole tensor; JAX and any other Array API namespace by a host fill and one
``asarray`` copy (documented: there is no native path there).
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import numpy as np
import array_api_compat as _compat

from . import _checks, _cpu, _cuda_errors
from ._request import FillRequest


class Backend:
    """The interface.  ``host`` arguments are NumPy arrays of the target's logical
    shape; ``dt`` is a NumPy dtype from :func:`fastinit._checks.dtype`."""
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


# ---- NumPy ----------------------------------------------------------------------------------
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


# ---- torch ----------------------------------------------------------------------------------
def torch_dtype(dt: np.dtype) -> Any:
    import torch
    return getattr(torch, dt.name)


def torch_from_numpy(host: np.ndarray) -> Any:
    """A CPU tensor sharing ``host``'s memory (bfloat16 through an int16 view); strided
    arrays stay strided (``copy_`` takes them as they are: no extra copy)."""
    import torch
    if host.dtype == _checks.BFLOAT16:
        return torch.from_numpy(np.ascontiguousarray(host).view(np.int16)).view(torch.bfloat16)
    if any(st < 0 for st in host.strides) or not host.flags.writeable:
        host = np.ascontiguousarray(host)
    return torch.from_numpy(host)


def _torch_device(device: Any) -> Any:
    import torch
    if device is None:
        return None
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device={device!r} is not a torch device (e.g. 'cpu', 'cuda', "
                         "'cuda:1', torch.device)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: torch sees no CUDA device on this machine")
    if dev.type not in ("cpu", "cuda", "meta"):
        raise ValueError(f"device={device!r}: fastinit fills torch tensors on 'cpu', "
                         "'cuda' and 'meta' only")
    return dev


class _TorchBase(Backend):
    def claims_namespace(self, xp):
        return _compat.is_torch_namespace(xp)

    def check_device(self, device):
        return _torch_device(device)

    def empty(self, shape, dt, device):
        import torch
        return torch.empty(shape, dtype=torch_dtype(dt), device=device)

    def from_host(self, host, device, chunks=None):
        t = torch_from_numpy(host)
        return t if device is None else t.to(device)

    def new_full(self, shape, value, dt, device, chunks=None):
        import torch
        return torch.full(shape, value, dtype=torch_dtype(dt), device=device)

    def _check_out(self, x):
        _checks.torch_out(x)

    def assign(self, x, host):
        import torch
        _same_shape(x.shape, host)
        if x.device.type == "meta":
            return x
        self._check_out(x)
        with torch.no_grad():
            x.copy_(torch_from_numpy(np.asarray(host, self.dtype(x))))
        return x

    def fill_value(self, x, value):
        import torch
        with torch.no_grad():
            x.fill_(value)
        return x


class TorchCPUBackend(_TorchBase):
    """CPU tensors through a zero-copy NumPy view; meta tensors are left as they are
    (there is no memory to fill: ``to_empty`` then fill, as with ``torch.nn.init``)."""
    name = "torch"

    def claims_array(self, x):
        return _compat.is_torch_array(x) and x.device.type in ("cpu", "meta")

    def shape(self, x):
        return tuple(x.shape)             # torch.Size is a tuple of ints

    def fill(self, x, req):
        if x.is_meta:
            return x
        if req.whole and x.is_contiguous():   # straight into the tensor's memory
            _cpu.fill_address(x.data_ptr(), x.numel(), req)
        else:
            self._check_out(x)
            _cpu.fill(self.host_view(x), req)
        bump_version(x)
        return x

    @staticmethod
    def host_view(t: Any) -> np.ndarray:
        """A writable NumPy view sharing ``t``'s memory."""
        import torch
        d = t.detach()
        if d.dtype == torch.bfloat16:
            return d.view(torch.int16).numpy().view(_checks.BFLOAT16)
        return d.numpy()


_increment_version = None


def bump_version(t: Any) -> None:
    """Written behind autograd's back: bump the version counter as torch's own in-place
    init under no_grad does, so a tensor already saved for backward is reported as
    modified instead of silently giving wrong gradients."""
    global _increment_version
    if _increment_version is None:
        import torch
        _increment_version = torch.autograd.graph.increment_version
    try:
        _increment_version(t)
    except Exception:  # inference tensors have no version counter
        pass


def _gpu_module() -> types.ModuleType:
    try:
        from . import _gpu
    except ImportError as exc:  # pragma: no cover - _gpu imports nothing optional
        raise RuntimeError(f"GPU arrays need fastinit's GPU backend ({exc})") from None
    return _gpu


@_cuda_errors.explained     # a missing driver reads as such, not as a CUDA error code
class TorchCUDABackend(_TorchBase):
    """CUDA tensors, filled in place on their device by the CUDA kernels."""
    name = "torch-cuda"

    def claims_array(self, x):
        return _compat.is_torch_array(x) and x.device.type == "cuda"

    def fill(self, x, req):
        self._check_out(x)
        return _gpu_module().fill_device(x, req)


# ---- CuPy -----------------------------------------------------------------------------------
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


# ---- Dask -----------------------------------------------------------------------------------
def _dask_block(req: FillRequest, block_info: Any = None) -> np.ndarray:
    loc = block_info[None]["array-location"]
    sub = req.sub(tuple(b - a for a, b in loc), tuple(a for a, _ in loc))
    return _cpu.fill(np.empty(sub.shape, sub.dtype), sub._replace(threads=1))


class DaskBackend(Backend):
    """Lazy arrays: each chunk is filled as a block of the whole tensor, so
    ``.compute()`` equals the NumPy result bit for bit whatever the chunks."""
    name = "dask"

    def claims_array(self, x):
        return _compat.is_dask_array(x)

    def claims_namespace(self, xp):
        return _compat.is_dask_namespace(xp)

    def from_host(self, host, device, chunks=None):
        import dask.array as da
        return da.from_array(host, chunks="auto" if chunks is None else chunks)

    def new_random(self, req, device, chunks=None):
        import dask.array as da
        from dask.base import tokenize
        chunks = da.core.normalize_chunks("auto" if chunks is None else chunks, req.shape,
                                          dtype=req.dtype)
        name = "fastinit-" + tokenize(tuple(req), chunks)
        return da.map_blocks(_dask_block, req, chunks=chunks, dtype=req.dtype, name=name,
                             meta=np.empty((0,) * len(req.shape), req.dtype))

    def new_full(self, shape, value, dt, device, chunks=None):
        import dask.array as da
        return da.full(shape, value, dtype=dt, chunks="auto" if chunks is None else chunks)

    def _refuse(self, x, *_):
        raise TypeError("fill Dask arrays with the return-new form "
                        "(e.g. fastinit.glorot_uniform(shape, xp=dask.array) or fastinit.dask)")

    fill = assign = fill_value = _refuse


# ---- JAX and any other Array API namespace --------------------------------------------------
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


# ---- the table --------------------------------------------------------------------------------
_NUMPY, _TORCH_CPU, _TORCH_CUDA = NumpyBackend(), TorchCPUBackend(), TorchCUDABackend()
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


def _torch_by_device(x: Any) -> Backend:
    return _TORCH_CUDA if x.is_cuda else _TORCH_CPU


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
from . import _torch_dtensor  # noqa: E402  (needs Backend above; imports torch lazily)
register(_torch_dtensor.DTensorBackend())
