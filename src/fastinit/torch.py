"""Drop-in ``torch.nn.init`` with fastinit's reproducible sampling::

    import fastinit.torch as init
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5), seed=0)

Same names, signatures, fan layout ``(out, in, *kernel)``, formulas and errors as
``torch.nn.init``, plus keyword-only ``seed=None, stream=0``.  Torch ``generator=``
objects are not supported (pass ``seed=``/``stream=``).  As in torch,
``xavier_normal_``/``kaiming_normal_`` draw from a plain (untruncated) normal, and
``trunc_normal_``'s ``a``/``b`` are absolute bounds.  Fills run under
``torch.no_grad()``; CPU tensors are filled in place through a zero-copy NumPy view,
CUDA tensors by fastinit's GPU backend.  Meta tensors are left as they are.

:func:`init_module` initialises a whole module reproducibly, one stream per parameter.
"""
import math
import warnings

import torch as _torch

from . import _seeding
from . import initializers as _catalog
from .fans import calculate_gain, torch_fans as _torch_fans

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_", "init_module",
           "SCHEMES"]


def _no_generator(generator):
    if generator is not None:
        raise TypeError("fastinit.torch does not take torch generators; pass seed= and "
                        "stream= (element e depends only on (seed, stream, e))")


def _calculate_fan_in_and_fan_out(tensor):
    return _torch_fans(tuple(tensor.shape))


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, dist, args, seed, stream):
    """``dist`` is one of the catalog's in-place samplers (the public API)."""
    with _torch.no_grad():
        return dist(tensor, *args, seed=seed, stream=stream)


# ---- the torch.nn.init functions -----------------------------------------------------------
def uniform_(tensor, a=0.0, b=1.0, generator=None, *, seed=None, stream=0):
    """Fill with U(a, b)."""
    _no_generator(generator)
    return _fill(tensor, _catalog.uniform_, (a, b), seed, stream)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, seed=None, stream=0):
    """Fill with N(mean, std**2)."""
    _no_generator(generator)
    return _fill(tensor, _catalog.normal_, (mean, std), seed, stream)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, seed=None,
                  stream=0):
    """Fill with N(mean, std**2) truncated to the absolute bounds [a, b] (inverse CDF, so
    every value is inside [a, b])."""
    _no_generator(generator)
    if tensor.is_meta:
        return tensor
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    return _fill(tensor, _catalog.truncated_normal_, (mean, std, a, b), seed, stream)


def constant_(tensor, val):
    """Fill with ``val``."""
    with _torch.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with 0."""
    with _torch.no_grad():
        return tensor.zero_()


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with _torch.no_grad():
        return _catalog.identity_(tensor)


def dirac_(tensor, groups=1):
    """Fill a {3, 4, 5}-D tensor with the Dirac delta (identity convolution per group)."""
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if tensor.size(0) % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    if tensor.is_meta:
        return tensor
    with _torch.no_grad():
        return _catalog.dirac_(tensor, groups)


def xavier_uniform_(tensor, gain=1.0, generator=None, *, seed=None, stream=0):
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    _no_generator(generator)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _fill(tensor, _catalog.uniform_, (-a, a), seed, stream)


def xavier_normal_(tensor, gain=1.0, generator=None, *, seed=None, stream=0):
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))`` (plain normal)."""
    _no_generator(generator)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, _catalog.normal_, (0.0, std), seed, stream)


def _kaiming_std(tensor, a, mode, nonlinearity, generator):
    """``gain / sqrt(fan_mode)`` as torch computes it; None for a zero-element tensor
    (torch warns and leaves it alone)."""
    _no_generator(generator)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                     seed=None, stream=0):
    """U(-bound, bound) with ``bound = gain * sqrt(3 / fan_mode)``,
    ``gain = calculate_gain(nonlinearity, a)``."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, generator)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _fill(tensor, _catalog.uniform_, (-bound, bound), seed, stream)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                    seed=None, stream=0):
    """N(0, std**2) with ``std = gain / sqrt(fan_mode)`` (plain normal, as torch)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, generator)
    if std is None:
        return tensor
    return _fill(tensor, _catalog.normal_, (0.0, std), seed, stream)


def orthogonal_(tensor, gain=1, generator=None, *, seed=None, stream=0):
    """(Semi-)orthogonal matrix times ``gain``; trailing dimensions are flattened:
    ``(rows, cols) = (size(0), numel // size(0))``.  QR of a fastinit float64 normal matrix
    on the host (signs fixed by diag(R)), then copied into the tensor."""
    _no_generator(generator)
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0 or tensor.is_meta:
        return tensor
    with _torch.no_grad():
        return _catalog.orthogonal_(tensor, gain, column_axis=0, seed=seed, stream=stream)


def sparse_(tensor, sparsity, std=0.01, generator=None, *, seed=None, stream=0):
    """2-D: N(0, std**2) with ``ceil(sparsity * rows)`` zeros in each column (which rows is
    decided by the stream; see :func:`fastinit.sparse`)."""
    _no_generator(generator)
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if tensor.is_meta:
        return tensor
    with _torch.no_grad():
        return _catalog.sparse_(tensor, sparsity, std, seed=seed, stream=stream)


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
}
"""Named schemes for :func:`init_module`, in torch's layout and torch's semantics (the
``*_normal`` ones are plain normals, he = kaiming with ``nonlinearity='relu'``, lecun =
kaiming with ``'linear'``)."""


def _linear_like(module, prefix, plan):
    """Linear, Conv*d, ConvTranspose*d: kaiming_uniform_(a=sqrt(5)), bias U(+-1/sqrt(fan_in))."""
    w = module.weight
    plan.setdefault(prefix + "weight", lambda t, **kw: kaiming_uniform_(t, a=math.sqrt(5), **kw))
    if getattr(module, "bias", None) is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(w)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        plan.setdefault(prefix + "bias", lambda t, **kw: uniform_(t, -bound, bound, **kw))


def _ones_zeros(module, prefix, plan):
    if getattr(module, "weight", None) is not None:
        plan.setdefault(prefix + "weight", lambda t, **kw: ones_(t))
    if getattr(module, "bias", None) is not None:
        plan.setdefault(prefix + "bias", lambda t, **kw: zeros_(t))


def _rules(module, prefix, plan, post, buffers):
    """Add torch's own reset rule of ``module``'s direct parameters to ``plan``
    (qualified name -> fill(tensor, seed=, stream=)); parents come first and win."""
    nn = _torch.nn
    if isinstance(module, nn.Transformer):
        for name, p in module.named_parameters():
            if p.dim() > 1:
                plan.setdefault(prefix + name, lambda t, **kw: xavier_uniform_(t, **kw))
    if isinstance(module, nn.MultiheadAttention):
        names = (["in_proj_weight"] if module._qkv_same_embed_dim
                 else ["q_proj_weight", "k_proj_weight", "v_proj_weight"])
        for n in names:
            plan.setdefault(prefix + n, lambda t, **kw: xavier_uniform_(t, **kw))
        if module.in_proj_bias is not None:
            plan.setdefault(prefix + "in_proj_bias", lambda t, **kw: zeros_(t))
            plan.setdefault(prefix + "out_proj.bias", lambda t, **kw: zeros_(t))
        for n in ("bias_k", "bias_v"):
            if getattr(module, n) is not None:
                plan.setdefault(prefix + n, lambda t, **kw: xavier_normal_(t, **kw))
        return True
    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        _linear_like(module, prefix, plan)
        return True
    if isinstance(module, nn.Bilinear):
        bound = 1 / math.sqrt(module.weight.size(1))
        for n in ("weight", "bias"):
            if getattr(module, n) is not None:
                plan.setdefault(prefix + n, lambda t, **kw: uniform_(t, -bound, bound, **kw))
        return True
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        plan.setdefault(prefix + "weight", lambda t, **kw: normal_(t, **kw))
        if module.padding_idx is not None:
            idx = module.padding_idx
            post[prefix + "weight"] = lambda t: zeros_(t[idx])
        return True
    if isinstance(module, nn.modules.batchnorm._NormBase):
        if module.track_running_stats:
            buffers[prefix + "running_mean"] = zeros_
            buffers[prefix + "running_var"] = ones_
            buffers[prefix + "num_batches_tracked"] = lambda t: t.zero_()
        _ones_zeros(module, prefix, plan)
        return True
    if isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)):
        _ones_zeros(module, prefix, plan)
        return True
    if isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
        stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
        for n, _ in module.named_parameters(recurse=False):
            plan.setdefault(prefix + n, lambda t, **kw: uniform_(t, -stdv, stdv, **kw))
        return True
    if isinstance(module, nn.PReLU):
        value = module.init
        plan.setdefault(prefix + "weight", lambda t, **kw: constant_(t, value))
        return True
    return False


def _is_bias(name):
    return name.rsplit(".", 1)[-1].startswith("bias")


def _fallback(name, p):
    if p.dim() >= 2:
        return lambda t, **kw: kaiming_uniform_(t, a=math.sqrt(5), **kw)
    if _is_bias(name):
        return lambda t, **kw: zeros_(t)
    return lambda t, **kw: ones_(t)


def init_module(module, seed=None, scheme=None):
    """Initialise every parameter of ``module`` reproducibly and return it.

    Parameter ``name`` (qualified, as in ``named_parameters()``) is filled from
    ``(seed, stream_for_name(name))``, so adding a layer leaves the others bit-identical.

    * ``scheme=None``: each standard layer's own ``reset_parameters`` rule (Linear/Conv:
      kaiming_uniform_(a=sqrt(5)) and bias U(+-1/sqrt(fan_in)); Embedding N(0, 1) with the
      padding row zeroed; norms ones/zeros and running stats reset; RNN/LSTM/GRU
      U(+-1/sqrt(hidden)); MultiheadAttention xavier_uniform_ in-projection and zero
      biases; nn.Transformer xavier_uniform_ for every matrix; PReLU its ``init``).
      Parameters of other module types get a fallback (matrices as Linear weights,
      biases 0, other vectors 1) with a warning.
    * ``scheme`` a name from :data:`SCHEMES` or a callable ``f(tensor, seed=, stream=)``:
      applied to every parameter with 2 or more dimensions whose name does not start
      with ``bias``; biases are zeroed; the rest follow the default rule.

    Works on a module materialised from the meta device (``module.to_empty(device="cpu")``).
    """
    if isinstance(scheme, str):
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be a callable or one of {', '.join(SCHEMES)}; "
                             f"got {scheme!r}")
        scheme_fn = SCHEMES[scheme]
    elif scheme is None or callable(scheme):
        scheme_fn = scheme
    else:
        raise TypeError(f"scheme must be None, a name or a callable, got {scheme!r}")
    seed, _ = _seeding.resolve(seed, 0)
    plan, post, buffers, unknown = {}, {}, {}, []
    for prefix, m in module.named_modules():
        prefix = prefix + "." if prefix else ""
        if not _rules(m, prefix, plan, post, buffers):
            unknown.extend(prefix + n for n, _ in m.named_parameters(recurse=False))
    fallback = [n for n in unknown if n not in plan]
    if fallback and scheme_fn is None:
        warnings.warn(f"init_module: no known reset rule for {', '.join(fallback)}; using the "
                      "fallback (matrices as Linear weights, biases 0, other vectors 1)",
                      stacklevel=2)
    with _torch.no_grad():
        for name, p in module.named_parameters():
            stream = _seeding.stream_for_name(name)
            if scheme_fn is not None and _is_bias(name):
                fn = lambda t, **kw: zeros_(t)   # noqa: E731
            elif scheme_fn is not None and p.dim() >= 2:
                fn = scheme_fn
            else:
                fn = plan.get(name) or _fallback(name, p)
            fn(p, seed=seed, stream=stream)
            if name in post:
                post[name](p)
        for name, b in module.named_buffers():
            if name in buffers and b is not None:
                buffers[name](b)
    return module
