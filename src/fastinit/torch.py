"""Drop-in ``torch.nn.init`` with fastinit's reproducible sampling::

    import fastinit.torch as init
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5), seed=0)

Same names, signatures, fan layout ``(out, in, *kernel)``, formulas, dtypes and error
types as ``torch.nn.init``, plus keyword-only ``seed=None, stream=0``.  As in torch,
``xavier_normal_``/``kaiming_normal_`` draw from a plain (untruncated) normal, and
``trunc_normal_``'s ``a``/``b`` are absolute bounds.

* Seeding: ``seed=None`` takes a 64-bit seed from torch's default generator (or
  ``generator=``), consuming from it, so ``torch.manual_seed(n)`` makes runs and ranks
  reproducible; an explicit ``seed`` does not touch torch's generators.
* DTensor (FSDP2, tensor parallel, any mesh and placement): each rank fills only its
  local shard, as the slice of the whole tensor it holds, so ``full_tensor()`` equals the
  single-process result bit for bit.
* complex64/complex128: filled through ``torch.view_as_real`` (real and imaginary parts
  are consecutive elements); ``normal_`` gives each part ``std / sqrt(2)``, as torch.
* Integer tensors: the deterministic fills (``constant_``, ``zeros_``, ``ones_``,
  ``eye_``, ``dirac_``) work, the random ones raise NotImplementedError, as torch.

Fills run under ``torch.no_grad()``; CPU tensors are filled in place, CUDA tensors by
fastinit's GPU backend; meta tensors are left alone.  :func:`init_module` runs a whole
model's own init code through fastinit (see :class:`InitMode`).
"""
import fnmatch
import inspect
import math
import numbers
import warnings

import torch as _torch

import fastinit as _fi
from . import _torch_dtensor
from ._torch_mode import InitMode
from .fans import calculate_gain, torch_fans as _torch_fans

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_", "init_module",
           "InitMode", "init_mode", "SCHEMES"]

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


def _check_tensor(tensor, kernel):
    if not isinstance(tensor, _torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(tensor.dtype)}'")


def _check_overlap(t):
    if _torch._debug_has_internal_overlap(t) == 1:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


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
_CATALOG = {"uniform": "uniform_", "normal": "normal_", "truncated": "truncated_normal_"}


def _fill_block(t, dist, args, seed, stream, global_shape=None, start=None):
    """One plain tensor (or a block of a shard) through the public catalog."""
    if t.is_complex():
        t = _torch.view_as_real(t)
        global_shape = (tuple(t.shape[:-1]) if global_shape is None else tuple(global_shape)) + (2,)
        start = ((0,) * (t.dim() - 1) if start is None else tuple(start)) + (0,)
        if dist == "normal":     # torch: each part has half the variance
            args = (args[0], args[1] / _SQRT2)
    getattr(_fi, _CATALOG[dist])(t, *args, seed=seed, stream=stream,
                                 global_shape=global_shape, start=start)


def _fill(tensor, dist, args, seed, stream, generator=None):
    local = _torch_dtensor.local_tensor(tensor) if _torch_dtensor.is_dtensor(tensor) else tensor
    if local.is_meta:
        return tensor
    _check_overlap(local)
    seed = _seed_of(seed, generator)
    with _torch.no_grad():
        if local is tensor:
            _fill_block(tensor, dist, args, seed, stream)
        else:
            _torch_dtensor.fill(tensor, lambda view, gshape, start: _fill_block(
                view, dist, args, seed, stream, gshape, start))
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
    _check_tensor(tensor, "check_uniform_bounds")
    a, b = _scalar(a), _scalar(b)
    _check_uniform(a, b)
    return _fill(tensor, "uniform", (a, b), seed, stream, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, seed=None, stream=0):
    """Fill with N(mean, std**2)."""
    _check_tensor(tensor, "normal_kernel_cpu")
    mean, std = _scalar(mean), _scalar(std)
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, "normal", (mean, std), seed, stream, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, seed=None,
                  stream=0):
    """Fill with N(mean, std**2) truncated to the absolute bounds [a, b] (inverse CDF, so
    every value is inside [a, b])."""
    _check_tensor(tensor, "normal_kernel_cpu")
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
    _check_tensor(tensor, "normal_kernel_cpu")
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
    _check_tensor(tensor, "normal_kernel_cpu")
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
        _fill_block(host, "normal", (0.0, std), seed, stream)
        host[_fi.sparse(shape, sparsity, 1.0, seed=seed, stream=stream, dtype="float64",
                        xp=_torch) == 0] = 0
    else:
        host = _fi.sparse(shape, sparsity, std, seed=seed, stream=stream, dtype=tensor.dtype,
                          xp=_torch)
    return _assign(tensor, host)


# ---- whole modules -----------------------------------------------------------------------------
SCHEMES = {
    "glorot_uniform": lambda t, **kw: xavier_uniform_(t, **kw),
    "xavier_uniform": lambda t, **kw: xavier_uniform_(t, **kw),
    "glorot_normal": lambda t, **kw: xavier_normal_(t, **kw),
    "xavier_normal": lambda t, **kw: xavier_normal_(t, **kw),
    "he_uniform": lambda t, **kw: kaiming_uniform_(t, nonlinearity="relu", **kw),
    "kaiming_uniform": lambda t, **kw: kaiming_uniform_(t, nonlinearity="relu", **kw),
    "he_normal": lambda t, **kw: kaiming_normal_(t, nonlinearity="relu", **kw),
    "kaiming_normal": lambda t, **kw: kaiming_normal_(t, nonlinearity="relu", **kw),
    "lecun_uniform": lambda t, **kw: kaiming_uniform_(t, nonlinearity="linear", **kw),
    "lecun_normal": lambda t, **kw: kaiming_normal_(t, nonlinearity="linear", **kw),
    "orthogonal": lambda t, **kw: orthogonal_(t, **kw),
    "zeros": lambda t, **kw: zeros_(t),
    "ones": lambda t, **kw: ones_(t),
}
"""Named schemes for :func:`init_module`, in torch's layout and torch's semantics (the
``*_normal`` ones are plain normals, he = kaiming with ``nonlinearity='relu'``, lecun =
kaiming with ``'linear'``)."""


def init_mode(module=None, seed=None, *, generator=None):
    """Context manager routing every sampling call (``torch.nn.init.*``, in-place
    ``Tensor.normal_``/``uniform_``) to fastinit; ``module``'s parameters get the stream
    of their qualified name.  The same as :class:`InitMode`::

        with fastinit.torch.init_mode(model, seed=0):
            model.apply(my_init)          # my_init written against torch.nn.init
    """
    return InitMode(module, seed, generator=generator)


def _hf_pretrained():
    import sys
    mod = sys.modules.get("transformers")
    return getattr(mod, "PreTrainedModel", None) if mod is not None else None


def _owners(module):
    """qualified parameter name -> (owning module, attribute name), first owner wins."""
    out = {}
    for prefix, m in module.named_modules():
        for n, p in m.named_parameters(recurse=False):
            out.setdefault(f"{prefix}.{n}" if prefix else n, (m, n))
    return out


def _is_hf_conv1d(m):
    return type(m).__name__ == "Conv1D" and type(m).__module__.startswith("transformers")


def _torch_layout(param, owner):
    """HF ``Conv1D`` stores ``(in, out)``: hand the transposed view to torch-layout rules."""
    m, n = owner
    return param.t() if n == "weight" and param.dim() == 2 and _is_hf_conv1d(m) else param


def _is_bias(name):
    return name.rsplit(".", 1)[-1].startswith("bias")


def _takes_name(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "name" or p.kind is p.VAR_KEYWORD for p in params)


def _rule(rule, what):
    """A rule of a scheme mapping -> fill(tensor, name, owner, seed, stream) or None."""
    if rule is None:
        return None
    if isinstance(rule, str):
        if rule not in SCHEMES:
            raise ValueError(f"{what} must be a callable, a number, None or one of "
                             f"{', '.join(SCHEMES)}; got {rule!r}")
        fn = SCHEMES[rule]
        return lambda t, name, owner, **kw: fn(_torch_layout(t, owner), **kw)
    if isinstance(rule, numbers.Number) and not isinstance(rule, bool):
        return lambda t, name, owner, **kw: constant_(t, rule)
    if callable(rule):
        if _takes_name(rule):
            return lambda t, name, owner, **kw: rule(t, name=name, **kw)
        return lambda t, name, owner, **kw: rule(t, **kw)
    raise TypeError(f"{what} must be a callable, a number, None or a scheme name; got "
                    f"{type(rule).__name__}")


def _scheme_rules(scheme):
    """scheme -> rules(name, param) giving a fill or None (the model's own init)."""
    if scheme is None:
        return lambda name, p: None
    if isinstance(scheme, dict):
        table = [(pattern, _rule(r, f"scheme[{pattern!r}]")) for pattern, r in scheme.items()]
        for pattern, _ in table:
            if not isinstance(pattern, str):
                raise TypeError(f"scheme patterns must be str (fnmatch globs on parameter "
                                f"names), got {pattern!r}")

        def pick(name, p):
            for pattern, fill in table:
                if fnmatch.fnmatchcase(name, pattern):
                    return fill
            return None
        return pick
    if isinstance(scheme, str) or not callable(scheme) or not _takes_name(scheme):
        if not (isinstance(scheme, str) or callable(scheme)):
            raise TypeError(f"scheme must be None, a name from SCHEMES, a callable or a "
                            f"{{pattern: rule}} dict; got {type(scheme).__name__}")
        matrix = _rule(scheme, "scheme")
        zero = _rule("zeros", "scheme")
        # classic schemes: every weight matrix, biases zeroed, the rest as the model does
        return lambda name, p: (zero if _is_bias(name) else matrix if p.dim() >= 2 else None)
    every = _rule(scheme, "scheme")       # takes name=: called for every parameter
    return lambda name, p: every


def _init_units(module):
    """The model's own init code, highest priority first: Hugging Face models'
    ``initialize_weights`` (outermost model), then each module's ``reset_parameters``
    (``_reset_parameters``), parents before children.  Run in this order with earlier
    writes frozen, this gives what construction gives (children's reset, then parents'
    overrides, then the HF init over everything)."""
    units = []
    hf = _hf_pretrained()
    if hf is not None and isinstance(module, hf):
        units.append(lambda: _hf_initialize(module))
    elif hf is not None:
        seen = set()
        for prefix, m in module.named_modules():
            if isinstance(m, hf) and not any(prefix.startswith(s + ".") for s in seen):
                seen.add(prefix)
                units.append(lambda m=m: _hf_initialize(m))
    for _, m in module.named_modules():
        fn = getattr(m, "reset_parameters", None)
        if not callable(fn):
            fn = getattr(m, "_reset_parameters", None)
        if callable(fn):
            units.append(fn)
    return units


def _hf_initialize(model):
    # construction marks every module initialised; clear the marks so the init runs again
    for m in model.modules():
        m.__dict__.pop("_is_hf_initialized", None)
    for t in list(model.parameters()) + list(model.buffers()):
        t.__dict__.pop("_is_hf_initialized", None)
    model.initialize_weights()


def _tie(module):
    """Re-tie Hugging Face weights (``to_empty`` and ``fully_shard`` untie them)."""
    hf = _hf_pretrained()
    if hf is None:
        return
    for m in module.modules():
        if isinstance(m, hf):
            m.tie_weights()
            return


def _fallback(name, p, owner, seed, stream):
    if p.dim() >= 2:
        kaiming_uniform_(_torch_layout(p, owner), a=math.sqrt(5), seed=seed, stream=stream)
    elif _is_bias(name):
        zeros_(p)
    else:
        ones_(p)


def init_module(module, seed=None, scheme=None, *, generator=None):
    """Initialise every parameter of ``module`` reproducibly, in place, and return it.

    Parameter ``name`` (qualified, as in ``named_parameters()``) is filled from
    ``(seed, stream_for_name(name))``: adding a layer leaves the others bit-identical, and
    a sharded (DTensor/FSDP2/TP) parameter equals the unsharded one.  ``seed=None`` takes
    the seed from torch's default generator (or ``generator``).

    * ``scheme=None``: the model's **own** init code, with every sampling call routed to
      fastinit (see :class:`InitMode`): each module's ``reset_parameters()`` and, for
      Hugging Face models, ``initialize_weights()``/``_init_weights`` with the weights tied
      first.  Parameters that no init code writes (e.g. a custom module filling its
      parameter in ``__init__``) get a fallback -- matrices as Linear weights, biases 0,
      other vectors 1 -- and one short warning.
    * ``scheme`` a name from :data:`SCHEMES` or a callable ``f(tensor, *, seed, stream)``:
      applied to every parameter with 2 or more dimensions whose name does not start with
      ``bias``; biases are zeroed; the rest follow the model's own init.  (HF ``Conv1D``
      weights, stored ``(in, out)``, get their fans from the right axes.)
    * a callable that accepts ``name=`` (``f(tensor, *, seed, stream, name)``) is called
      for **every** parameter; returning ``NotImplemented`` leaves that one to the model.
    * a dict ``{pattern: rule}``: the first ``fnmatch`` pattern matching the qualified name
      picks the rule -- a scheme name, ``"zeros"``/``"ones"``, a number (constant), a
      callable as above, or ``None`` (the model's own init); unmatched parameters follow
      the model's own init.

    Works on modules materialised from the meta device (``to_empty``) and on FSDP2 /
    tensor-parallel models (every rank fills only its shards).
    """
    if not isinstance(module, _torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    rules = _scheme_rules(scheme)
    _tie(module)
    mode = InitMode(module, seed, generator=generator)
    seed = mode.seed
    params = dict(module.named_parameters())
    owners = _owners(module)
    with _torch.no_grad():
        for name, p in params.items():
            fill = rules(name, p)
            if fill is not None and fill(p, name, owners[name], seed=seed,
                                         stream=_fi.stream_for_name(name)) is not NotImplemented:
                mode.frozen.add(name)
    with mode:
        for unit in _init_units(module):
            unit()
            mode.flush()
            mode.frozen |= mode.touched
            mode.touched = set()
    with _torch.no_grad():
        # padding rows are zero whatever the scheme; and torch's own zeroing,
        # weight[padding_idx].fill_(0), writes into a copy when weight is a sharded DTensor
        for m in module.modules():
            if isinstance(m, (_torch.nn.Embedding, _torch.nn.EmbeddingBag)) \
                    and m.padding_idx is not None:
                _assign_row_zero(m.weight, m.padding_idx)
    left = [n for n in params if n not in mode.frozen]
    if left:
        kinds = sorted({type(owners[n][0]).__name__ for n in left})
        warnings.warn(f"init_module: no init code for {len(left)} parameter(s) of "
                      f"{', '.join(kinds)}; used the fallback (matrices as Linear weights, "
                      "biases 0, other vectors 1)", stacklevel=2)
        with _torch.no_grad():
            for n in left:
                _fallback(n, params[n], owners[n], seed, _fi.stream_for_name(n))
    return module


def _assign_row_zero(p, idx):
    if idx < 0:
        idx += p.shape[0]
    if _torch_dtensor.is_dtensor(p):
        local = _torch_dtensor.local_tensor(p)
        if local.is_meta:
            return
        _, parts = _torch_dtensor.blocks(p)
        for local_sl, start, global_sl in parts:
            if global_sl[0].start <= idx < global_sl[0].stop:
                local[local_sl][idx - start[0]].zero_()
    elif not p.is_meta:
        p[idx].zero_()
