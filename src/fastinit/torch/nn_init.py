"""The ``torch.nn.init`` drop-ins (see :mod:`fastinit.torch`)."""
import math
import numbers
import warnings

import torch as _torch

import fastinit as _fi
from .. import backends as _backends
from ..backends import dtensor as _torch_dtensor
from ..compat import torch as _torch_compat
from ..core import checks as _checks
from ..core.request import make_request
from ..engine._engine import DIST_NAMES
from ..fans import calculate_gain, torch_fans as _torch_fans

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]

_SQRT2 = math.sqrt(2.0)


# ---- seeds --------------------------------------------------------------------------------
def _draw_seed(generator):
    """64 bits from a torch generator (two 32-bit draws), advancing it."""
    g = _torch.default_generator if generator is None else generator
    if not isinstance(g, _torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(g).__name__}")
    words = _torch.empty(2, dtype=_torch.int64, device=g.device).random_(0, 1 << 32, generator=g)
    lo, hi = (int(w) for w in words.tolist())
    return lo | (hi << 32)


def _seed_of(seed, generator):
    if seed is None:
        return _draw_seed(generator)
    if generator is not None:
        raise ValueError("pass seed= or generator=, not both (generator= is used only "
                         "when seed=None)")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None or an integer in [0, 2**64), got {seed!r}")
    if not 0 <= seed < (1 << 64):
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return int(seed)


# ---- checks torch makes ------------------------------------------------------------------
def _scalar(value):
    """Python number from a number or a one-element tensor (torch accepts both)."""
    if isinstance(value, _torch.Tensor):
        return value.item()
    return value


def _type_name(dtype):
    return _torch.empty(0, dtype=dtype).type().rsplit(".", 1)[-1].replace("Tensor", "")


def _check_tensor(tensor, kernel, op):
    """The checks torch's random fill ``op`` makes before writing: a tensor, a float or
    complex dtype, the strided layout, not an inference tensor outside inference mode."""
    if not isinstance(tensor, _torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(tensor.dtype)}'")
    if tensor.layout != _torch.strided:
        # torch: "Could not run 'aten::normal_' with arguments from the 'SparseCPU' backend"
        raise NotImplementedError(
            f"{op}: the {str(tensor.layout).replace('torch.', '')} layout is not supported "
            f"(torch has no '{op}' kernel for it either); fill a dense (torch.strided) tensor "
            f"and convert it, e.g. with .to_sparse()")
    local = _torch_dtensor.local_tensor(tensor) if _torch_dtensor.is_dtensor(tensor) else tensor
    if local.is_inference() and not _torch.is_inference_mode_enabled():
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not "
                           "allowed.You can make a clone to get a normal tensor before doing "
                           "inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
                           "more details.")


def _check_overlap(t):
    """The one overlap check of a fill (the backend's ``write`` trusts it): fastinit's
    exact test; an overlap torch itself refuses (``compat.torch.has_internal_overlap``)
    gets torch's error, one torch cannot tell (an ``as_strided`` view) fastinit's."""
    try:
        _checks.torch_out(t)
    except _checks.OverlapError:
        if _torch_compat.has_internal_overlap(t):
            raise RuntimeError("unsupported operation: more than one element of the "
                               "written-to tensor refers to a single memory location. "
                               "Please clone() the tensor before performing the "
                               "operation.") from None
        raise


def _real_dtype(t):
    """The fastinit dtype of ``t``'s elements, parsed once per fill (a complex tensor is
    filled as its real view: complex64 -> float32)."""
    return _checks.dtype(_REAL.get(t.dtype, t.dtype), "the array's dtype")


_REAL = {_torch.complex32: _torch.float16, _torch.complex64: _torch.float32,
         _torch.complex128: _torch.float64}


def _check_gain(gain):
    gain = _scalar(gain)
    if isinstance(gain, bool) or not isinstance(gain, numbers.Real) \
            or not (math.isfinite(gain) and gain >= 0):
        raise ValueError(f"gain must be a finite number >= 0, got {gain!r}")
    return float(gain)


def _check_uniform(a, b):
    if math.isnan(a) or math.isnan(b) or not (a <= b):
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")


# ---- fills --------------------------------------------------------------------------------
# a distribution's name ("uniform", "normal", "truncated": the engine's) -> its code
_DIST_CODES = {name: code for code, name in enumerate(DIST_NAMES)}


def _fill_block(t, dt, dist, args, seed, stream, global_shape=None, start=None):
    """One plain tensor (or a block of a shard), checked by the caller (dtype ``dt``
    parsed, no overlap, ``seed`` resolved): its request, then its backend's write."""
    if t.is_complex():
        t = _torch.view_as_real(t)
        global_shape = (tuple(t.shape[:-1]) if global_shape is None else tuple(global_shape)) + (2,)
        start = ((0,) * (t.dim() - 1) if start is None else tuple(start)) + (0,)
        if dist == "normal":     # torch: each part has half the variance
            args = (args[0], args[1] / _SQRT2)
    req = make_request(_DIST_CODES[dist], args, dt, tuple(t.shape), seed=seed, stream=stream,
                       global_shape=global_shape, start=start)
    _backends.for_array(t, "tensor").write(t, req)


def _fill(tensor, dist, args, seed, stream, generator=None):
    local = _torch_dtensor.local_tensor(tensor) if _torch_dtensor.is_dtensor(tensor) else tensor
    if local.is_meta:
        return tensor
    _check_overlap(local)
    seed = _seed_of(seed, generator)
    dt = _real_dtype(local)
    with _torch.no_grad():
        if local is tensor:
            _fill_block(tensor, dt, dist, args, seed, stream)
        else:
            _torch_dtensor.fill(tensor, lambda view, gshape, start: _fill_block(
                view, dt, dist, args, seed, stream, gshape, start))
    return tensor


def _assign(tensor, full):
    """Write ``full`` (a CPU tensor of the whole tensor's shape) into ``tensor``; a DTensor
    takes only its own shard."""
    with _torch.no_grad():
        if _torch_dtensor.is_dtensor(tensor):
            _torch_dtensor.assign(tensor, full)
        elif not tensor.is_meta:
            tensor.copy_(full)
    return tensor


def _is_meta(tensor):
    local = _torch_dtensor.local_tensor(tensor) if _torch_dtensor.is_dtensor(tensor) else tensor
    return local.is_meta


# ---- the torch.nn.init functions -----------------------------------------------------------
def _calculate_fan_in_and_fan_out(tensor):
    return _torch_fans(tuple(tensor.shape))


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None, *, seed=None, stream=0):
    """Fill with U(a, b)."""
    _check_tensor(tensor, "check_uniform_bounds", "uniform_")
    a, b = _scalar(a), _scalar(b)
    _check_uniform(a, b)
    return _fill(tensor, "uniform", (a, b), seed, stream, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, seed=None, stream=0):
    """Fill with N(mean, std**2)."""
    _check_tensor(tensor, "normal_kernel_cpu", "normal_")
    mean, std = _scalar(mean), _scalar(std)
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, "normal", (mean, std), seed, stream, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, seed=None,
                  stream=0):
    """Fill with N(mean, std**2) truncated to the absolute bounds [a, b] (inverse CDF, so
    every value is inside [a, b])."""
    _check_tensor(tensor, "normal_kernel_cpu", "trunc_normal_")
    if tensor.dtype.is_complex:
        raise NotImplementedError(f"trunc_normal_ is not implemented for "
                                  f"'{_type_name(tensor.dtype)}' (as in torch)")
    if _is_meta(tensor):
        return tensor
    mean, std, a, b = (_scalar(v) for v in (mean, std, a, b))
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    _check_uniform(a, b)
    return _fill(tensor, "truncated", (mean, std, a, b), seed, stream, generator)


def constant_(tensor, val):
    """Fill with ``val`` (any dtype torch allows)."""
    with _torch.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1)


def zeros_(tensor):
    """Fill with 0."""
    with _torch.no_grad():
        return tensor.zero_()


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (any dtype torch allows)."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if _is_meta(tensor):
        return tensor
    return _assign(tensor, _torch.eye(*tensor.shape, dtype=tensor.dtype))


def dirac_(tensor, groups=1):
    """Fill a {3, 4, 5}-D tensor with the Dirac delta (identity convolution per group)."""
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if tensor.size(0) % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    if _is_meta(tensor):
        return tensor
    host = _fi.dirac(tuple(tensor.shape), groups, dtype="float64", xp=_torch)
    return _assign(tensor, host.to(tensor.dtype))


def xavier_uniform_(tensor, gain=1.0, generator=None, *, seed=None, stream=0):
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    gain = _check_gain(gain)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator, seed=seed, stream=stream)


def xavier_normal_(tensor, gain=1.0, generator=None, *, seed=None, stream=0):
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))`` (plain normal)."""
    gain = _check_gain(gain)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator, seed=seed, stream=stream)


def _kaiming_std(tensor, a, mode, nonlinearity):
    """``gain / sqrt(fan_mode)`` as torch computes it; None for a zero-element tensor
    (torch warns and leaves it alone)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, _scalar(a)) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                     seed=None, stream=0):
    """U(-bound, bound) with ``bound = gain * sqrt(3 / fan_mode)``,
    ``gain = calculate_gain(nonlinearity, a)``."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator, seed=seed, stream=stream)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                    seed=None, stream=0):
    """N(0, std**2) with ``std = gain / sqrt(fan_mode)`` (plain normal, as torch)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator, seed=seed, stream=stream)


def orthogonal_(tensor, gain=1, generator=None, *, seed=None, stream=0):
    """(Semi-)orthogonal matrix times ``gain``; trailing dimensions are flattened:
    ``(rows, cols) = (size(0), numel // size(0))``.  torch's QR of a fastinit normal matrix
    in the tensor's precision (signs fixed by diag(R)), then copied into the tensor.  A DTensor: every
    rank computes the same matrix and keeps its own shard of it."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    _check_tensor(tensor, "normal_kernel_cpu", "orthogonal_")
    if tensor.dtype.is_complex:
        raise NotImplementedError("orthogonal_ does not support complex tensors "
                                  "(torch.nn.init.orthogonal_ neither)")
    gain = _scalar(gain)
    if tensor.numel() == 0 or _is_meta(tensor):
        return tensor
    seed = _seed_of(seed, generator)
    host = _fi.orthogonal(tuple(tensor.shape), gain, column_axis=0, seed=seed, stream=stream,
                          dtype=tensor.dtype, xp=_torch)
    return _assign(tensor, host)


def sparse_(tensor, sparsity, std=0.01, generator=None, *, seed=None, stream=0):
    """2-D: N(0, std**2) with ``ceil(sparsity * rows)`` zeros in each column (which rows is
    decided by the stream; see :func:`fastinit.sparse`); ``sparsity >= 1`` zeroes all."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    _check_tensor(tensor, "normal_kernel_cpu", "sparse_")
    if _is_meta(tensor):
        return tensor
    sparsity, std = _scalar(sparsity), _scalar(std)
    seed = _seed_of(seed, generator)
    shape = tuple(tensor.shape)
    if isinstance(sparsity, numbers.Real) and sparsity >= 1:
        # torch zeroes every row of every column (ceil(sparsity * rows) >= rows)
        return _assign(tensor, _torch.zeros(shape, dtype=tensor.dtype))
    if tensor.dtype.is_complex:
        host = _torch.empty(shape, dtype=tensor.dtype)
        _fill_block(host, _real_dtype(host), "normal", (0.0, std), seed, stream)
        host[_fi.sparse(shape, sparsity, 1.0, seed=seed, stream=stream, dtype="float64",
                        xp=_torch) == 0] = 0
    else:
        host = _fi.sparse(shape, sparsity, std, seed=seed, stream=stream, dtype=tensor.dtype,
                          xp=_torch)
    return _assign(tensor, host)
