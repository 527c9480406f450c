"""`diagnose` for a torch ``nn.Module``: forward hooks record each layer call's output
statistics, tensor hooks registered on those outputs record the gradient of a seeded
unit-normal cotangent (or of ``loss(output)``) in one backward pass.

Hooked: every leaf module, and every module that owns parameters itself
(``nn.MultiheadAttention``).  A module that returns its input unchanged (``Identity``,
``Dropout`` in eval mode) is left out; an in-place module (``ReLU(inplace=True)``) is
recorded: the statistics of the layer before it are taken in that layer's hook, before the
in-place op runs, and a tensor hook registered before an in-place op receives the gradient
of the value it was registered on.  Tied weights are reported once per owner
(``tied_to`` names the first); a module called twice gives two records (``name#2``)."""
import math

import numpy as np
import torch

from .. import initializers as _init
from ..compat.torch import version_of
from ..fans import torch_fans
from .report import LayerStats, Report

__all__ = ["diagnose", "GRAD_STREAM", "as_args", "cotangent"]

GRAD_STREAM = 1 << 63   # stream of the cotangent of the first output (the demo's), then +1...
nn = torch.nn
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
                nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)
_CHANNEL_FIRST = (nn.Conv1d, nn.Conv2d, nn.Conv3d) + _CONV_T + _BATCH_NORMS + (nn.GroupNorm,)
_BOUNDED = {torch.nn.Tanh: "tanh", torch.nn.Sigmoid: "sigmoid", torch.nn.Softsign: "tanh",
            torch.nn.Hardtanh: "tanh"}
_NORMS = _BATCH_NORMS + (nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm) + \
    ((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())


def as_args(inputs):
    """``(args, kwargs)`` for ``model(*args, **kwargs)``: a tensor is one argument, a tuple
    the positional arguments, a dict the keyword arguments."""
    if isinstance(inputs, torch.Tensor):
        return (inputs,), {}
    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, tuple):
        return inputs, {}
    if isinstance(inputs, list):
        raise TypeError("inputs: a list is read as several batches (fastinit.torch.lsuv_ "
                        "pools them); for positional arguments pass a tuple")
    raise TypeError("inputs must be a torch.Tensor, a tuple of positional arguments or a "
                    f"dict of keyword arguments, got {type(inputs).__name__}")


def _tensors(obj):
    """The tensors in an output: a tensor, the items of a tuple/list, the values of a dict
    (Hugging Face ``ModelOutput`` included), depth first."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    return []


def _first_float(obj):
    return next((t for t in _tensors(obj) if t.is_floating_point()), None)


def cotangent(shape, dtype, device, seed, stream):
    """A standard-normal tensor ``fastinit.normal(shape, seed=seed, stream=stream)``, in
    float64 for float64 outputs, else drawn in float32 and cast."""
    npdt = "float64" if dtype == torch.float64 else "float32"
    z = _init.normal(tuple(shape), seed=seed, stream=stream, dtype=npdt)
    return torch.from_numpy(np.ascontiguousarray(z)).to(dtype=dtype, device=device)


def _weight(module):
    """The module's own parameter of 2 or more dimensions ('weight' first), or None."""
    w = getattr(module, "weight", None)
    if isinstance(w, torch.Tensor) and w.dim() >= 2:
        return "weight", w
    for name, p in module.named_parameters(recurse=False):
        if p.dim() >= 2:
            return name, p
    return None, None


def _weight_unit_axis(module, w):
    """The axis of ``w`` that indexes the module's output units."""
    if type(module).__name__ == "Conv1D" or isinstance(
            module, (torch.nn.Embedding,) + _CONV_T):
        return 1
    return 0


def _weights_identical(module, w):
    """Every output unit has the same incoming weights and the same bias."""
    if not _identical(w.detach(), _weight_unit_axis(module, w)):
        return False
    b = getattr(module, "bias", None)
    return not isinstance(b, torch.Tensor) or b.dim() != 1 or bool((b == b[:1]).all())


def _fans(module, w):
    fan_in, fan_out = torch_fans(tuple(w.shape))
    if type(module).__name__ == "Conv1D" and w.dim() == 2:   # Hugging Face: (in, out)
        fan_in, fan_out = fan_out, fan_in
    return fan_in, fan_out


def _unit_view(t, axis):
    """``t`` as (units, everything else)."""
    return t.movedim(axis, 0).reshape(t.shape[axis], -1)


def _identical(t, axis):
    if t.dim() == 0 or t.shape[axis] < 2:
        return False
    u = _unit_view(t, axis)
    return bool((u == u[:1]).all())


def _moments(t):
    """(mean, population std) of a tensor: one pass in its own precision (float32 for
    16-bit types); in float64 when that overflows."""
    t = t.detach()
    if not t.numel():
        return 0.0, 0.0
    if t.dtype not in (torch.float32, torch.float64):
        t = t.float()
    mean, std = float(t.mean()), float(t.std(correction=0))   # faster than var_mean here
    if not (math.isfinite(std) and math.isfinite(mean)) and t.dtype != torch.float64:
        t = t.double()
        mean, std = float(t.mean()), float(t.std(correction=0))
    return mean, std


def _std(t):
    return _moments(t)[1]


def _fraction(mask):
    return float(mask.sum()) / mask.numel() if mask.numel() else 0.0


class _Recorder:
    def __init__(self, model, weights_by_id):
        self.names = {}
        for name, m in model.named_modules():
            self.names.setdefault(id(m), name or "(model)")
        self.model, self.records, self.calls = model, [], {}
        self.owner_of_param = {}
        self.weights_by_id = weights_by_id
        self.channel_first = False
        self.pending, self.weight_std = {}, {}
        self.handles = []

    def attach(self):
        for m in self.model.modules():
            leaf = next(m.children(), None) is None
            owns = next(m.parameters(recurse=False), None) is not None
            if (leaf or owns) and (m is not self.model or leaf):
                self.handles.append(m.register_forward_pre_hook(self._pre))
                self.handles.append(m.register_forward_hook(self._post))

    def detach(self):
        for h in self.handles:
            h.remove()

    def _pre(self, module, args):
        first = next((a for a in args if isinstance(a, torch.Tensor)), None)
        fed = first is not None and (next(module.parameters(recurse=False), None) is not None
                                     or bool(first.detach().any()))
        self.pending[id(module)] = (first, None if first is None else version_of(first), fed)

    def _post(self, module, args, output):
        first, version, fed = self.pending.pop(id(module), (None, None, False))
        out = _first_float(output)
        if out is None or (out is first and version_of(out) == version):
            return      # no float output, or the input passed through unchanged
        wname, w = _weight(module)
        owns = next(module.parameters(recurse=False), None) is not None
        if w is not None:
            self.channel_first = isinstance(module, _CHANNEL_FIRST)
        elif isinstance(module, _NORMS):
            self.channel_first = isinstance(module, _CHANNEL_FIRST)
        axis = 1 if (self.channel_first and out.dim() >= 3) or \
            (isinstance(module, _CHANNEL_FIRST) and out.dim() >= 2) else -1
        if out.dim() == 0:
            axis = 0
        name = self.names.get(id(module), type(module).__name__)
        n = self.calls[id(module)] = self.calls.get(id(module), 0) + 1
        if n > 1:
            name = f"{name}#{n}"
        h = out.detach()
        units = int(h.shape[axis]) if h.dim() else 1
        positions = h.numel() // (h.shape[0] * units) if h.dim() >= 2 and h.numel() else 1
        mean, std = _moments(h)
        rec = LayerStats(index=len(self.records), name=name, kind=type(module).__name__,
                         shape=tuple(out.shape), out_mean=mean, out_std=std,
                         zero_fraction=_fraction(h == 0), units=units, positions=positions,
                         weighted=w is not None, free=not owns,
                         units_identical=_identical(h, axis) if w is not None else False)
        if rec.units_identical:
            rec.weight_identical = _weights_identical(module, w)
        if rec.free and fed and h.dim() and h.numel():
            rec.dead_fraction = _fraction((_unit_view(h, axis) == 0).all(1))
        bounded = next((v for k, v in _BOUNDED.items() if isinstance(module, k)), None)
        if bounded is not None and h.numel():
            s = h.abs() if bounded == "tanh" else (2 * h - 1).abs()
            rec.saturated_fraction = _fraction(s > 0.99)
        if w is not None:
            rec.fan_in, rec.fan_out = _fans(module, w)
            if id(w) not in self.weight_std:
                self.weight_std[id(w)] = _std(w)
            rec.weight_std = self.weight_std[id(w)]
            first_owner = self.owner_of_param.setdefault(id(w), name.split("#")[0])
            if first_owner != name.split("#")[0]:
                rec.tied_to = first_owner
            self.weights_by_id.setdefault(id(w), w)
            rec._wid = id(w)
        self.records.append(rec)
        if out.requires_grad:
            def grad_hook(g, rec=rec, axis=axis):
                rec.grad_std = _std(g)
                rec.grad_identical = _identical(g.detach(), axis) if rec.weighted else None
            out.register_hook(grad_hook)


def diagnose(model, inputs, *, seed=0, loss=None, train=False):
    """See :func:`fastinit.diagnose`."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    if any(p.is_meta for p in params):
        raise ValueError("model has parameters on the meta device: materialise it first "
                         "(model.to_empty(device=...) and an initialisation)")
    args, kwargs = as_args(inputs)
    shapes = [tuple(t.shape) for t in _tensors(list(args) + list(kwargs.values()))]
    was_training = model.training
    flags = [p.requires_grad for p in params]
    weights_by_id = {}
    rec = _Recorder(model, weights_by_id)
    saved = None
    rng = torch.random.fork_rng(devices=[]) if train else None
    try:
        model.train(train)
        if train:   # batch statistics, dropout from a seeded torch generator; buffers restored
            saved = {k: v.detach().clone() for k, v in model.named_buffers()}
            rng.__enter__()
            torch.manual_seed(seed)
        for p in params:
            p.requires_grad_(p.is_floating_point() or p.is_complex())
        rec.attach()
        with torch.enable_grad():
            output = model(*args, **kwargs)
            rec.detach()
            outs = [t for t in _tensors(output) if t.is_floating_point() and t.requires_grad]
            leaves = [p for p in params if p.requires_grad]
            grads = None
            if loss is not None:
                value = loss(output)
                if not (isinstance(value, torch.Tensor) and value.numel() == 1):
                    raise ValueError("loss must return a one-element tensor, got "
                                     f"{type(value).__name__}")
                if value.requires_grad and leaves:
                    grads = torch.autograd.grad(value.reshape(()), leaves, allow_unused=True)
            elif outs and leaves:
                cots = [cotangent(t.shape, t.dtype, t.device, seed, GRAD_STREAM + i)
                        for i, t in enumerate(outs)]
                grads = torch.autograd.grad(outs, leaves, cots, allow_unused=True)
    finally:
        rec.detach()
        for p, f in zip(params, flags):
            p.requires_grad_(f)
        model.train(was_training)
        if saved is not None:
            with torch.no_grad():
                for k, v in model.named_buffers():
                    v.copy_(saved[k])
        if rng is not None:
            rng.__exit__(None, None, None)
    gstd = {} if grads is None else {id(p): _std(g) for p, g in zip(leaves, grads)
                                     if g is not None}
    for r in rec.records:
        wid = getattr(r, "_wid", None)
        if wid is not None:
            r.weight_grad_std = gstd.get(wid)
            del r._wid
    notes = []
    if loss is None and not outs:
        notes.append("the model's output has no floating tensor that depends on the "
                     "parameters: no backward pass")
    return Report(rec.records, framework=f"torch {torch.__version__}",
                  model=type(model).__name__, inputs=shapes, seed=seed,
                  loss=None if loss is None else getattr(loss, "__name__", "loss"),
                  notes=notes)
