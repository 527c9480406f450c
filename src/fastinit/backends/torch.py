"""torch tensors: CPU ones through a zero-copy NumPy view (or their data pointer), CUDA
ones on their device by the CUDA kernels."""
from __future__ import annotations

import types
from typing import Any

import numpy as np
import array_api_compat as _compat

from ..compat import torch as _torch_compat
from ..core import checks as _checks
from ..engine import cpu as _cpu, cuda_errors as _cuda_errors
from .base import Backend, _same_shape


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
        if not x.is_meta:
            self._check_out(x)
        return self.write(x, req)

    def write(self, x, req):
        """:meth:`fill` of a tensor its caller has already checked free of overlap
        (``fastinit.torch``, with torch's own error)."""
        if x.is_meta:
            return x
        if req.whole and x.is_contiguous():   # straight into the tensor's memory
            _cpu.fill_address(x.data_ptr(), x.numel(), req)
        else:
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


def bump_version(t: Any) -> None:
    """Written behind autograd's back: bump the version counter as torch's own in-place
    init under no_grad does, so a tensor already saved for backward is reported as
    modified instead of silently giving wrong gradients."""
    _torch_compat.bump_version(t)


def _gpu_module() -> types.ModuleType:
    try:
        from ..engine import gpu as _gpu
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
        return self.write(x, req)

    def write(self, x, req):
        """:meth:`fill` of a tensor its caller has already checked free of overlap."""
        return _gpu_module().fill_device(x, req)


CPU, CUDA = TorchCPUBackend(), TorchCUDABackend()


def by_device(x: Any) -> Backend:
    return CUDA if x.is_cuda else CPU
