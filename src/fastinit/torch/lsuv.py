"""LSUV for a torch ``nn.Module``: :func:`lsuv_`."""
import torch

from ..core.seeding import stream_for_name
from ..diagnosis import lsuv as _lsuv
from ..diagnosis.torch import _NORMS, _first_float, _weight, as_args
from .nn_init import orthogonal_

__all__ = ["lsuv_"]


class _Fitted(Exception):
    pass


def _batches(inputs):
    """One batch as ``(args, kwargs)``; a list of batches is pooled by concatenating each
    tensor along dimension 0 (the other parts must be the same in every batch)."""
    if not isinstance(inputs, list):
        return as_args(inputs)
    if not inputs:
        raise ValueError("inputs: an empty list of batches")
    parts = [as_args(b) for b in inputs]
    if any(len(a) != len(parts[0][0]) or k.keys() != parts[0][1].keys() for a, k in parts):
        raise ValueError("inputs: every batch in the list must have the same arguments")

    def cat(items, where):
        if all(isinstance(t, torch.Tensor) for t in items):
            try:
                return torch.cat(items, 0)
            except RuntimeError as e:
                raise ValueError(f"inputs: the batches' {where} can not be pooled along "
                                 f"dimension 0 ({e})") from None
        if any(isinstance(t, torch.Tensor) for t in items) or \
                any(t is not items[0] and t != items[0] for t in items):
            raise ValueError(f"inputs: the batches' {where} differ and are not tensors")
        return items[0]
    args = tuple(cat([a[i] for a, _ in parts], f"argument {i}") for i in range(len(parts[0][0])))
    kwargs = {k: cat([kw[k] for _, kw in parts], f"argument {k!r}") for k in parts[0][1]}
    return args, kwargs


def _units(model):
    """``(name, module, scaled weight, weights to orthogonalise, biases)`` for every
    module with its own weight of 2+ dimensions, norms excepted, in ``modules()`` order."""
    out = []
    for name, m in model.named_modules():
        if isinstance(m, _NORMS):
            continue
        if isinstance(m, torch.nn.MultiheadAttention):   # its out_proj is applied functionally
            ws = [(f"{name}.{n}", p) for n, p in m.named_parameters() if p.dim() >= 2]
            bs = [p for n, p in m.named_parameters() if p.dim() == 1 and "bias" in n]
            out.append((name, m, m.out_proj.weight, ws, bs, (m.out_proj, "weight")))
            continue
        if any(isinstance(a, torch.nn.MultiheadAttention) for a in _parents(model, name)):
            continue
        wname, w = _weight(m)
        if w is None:
            continue
        pre = f"{name}." if name else ""
        ws = [(pre + n, p) for n, p in m.named_parameters(recurse=False) if p.dim() >= 2]
        bs = [p for n, p in m.named_parameters(recurse=False) if p.dim() == 1 and "bias" in n]
        out.append((name or "(model)", m, w, ws, bs, (m, wname)))
    return out


def _parents(model, name):
    parts = name.split(".")[:-1] if name else []
    m, res = model, []
    for p in parts:
        m = getattr(m, p)
        res.append(m)
    return res


def lsuv_(model, inputs, *, seed=0, target_std=1.0, tol=0.1, max_iter=10, orthogonal=True):
    """Layer-sequential unit-variance initialisation of a torch module, in place.

    Every module with its own weight of 2 or more dimensions (``Linear``, ``Conv*``,
    ``Embedding``, Hugging Face ``Conv1D``, attention projections; norms skipped) gets an
    orthonormal weight from :func:`fastinit.torch.orthogonal_` (``seed``, the stream of
    the parameter's qualified name; skipped with ``orthogonal=False``) and a zero bias; then,
    in the order the forward pass first calls them, each weight is rescaled until that
    module's output std on ``inputs`` is within ``tol`` of ``target_std`` (at most
    ``max_iter`` rescales; ``nn.MultiheadAttention`` is rescaled through its output
    projection).  ``inputs``: a tensor, a tuple of positional arguments, a dict of keyword
    arguments, or a list of such batches, pooled (concatenated along dimension 0).
    The model runs in eval mode (restored after), without gradients; in-place activations
    are safe (each output is measured before the next module runs).  Two forward passes
    through the model (one fits, one checks) plus single-module calls while fitting.
    Same seed, model and inputs give the same bits.  A model with DTensor parameters
    (FSDP2, tensor parallel) on several ranks: every rank calls ``lsuv_`` with its own
    batch (the same shape on every rank); each layer's output is gathered over the ranks,
    so the statistics, hence the weights, are those of one process given the
    concatenated batch.  Returns a
    :class:`fastinit.diagnosis.LSUVResult`."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    target_std, tol, max_iter = _lsuv.check_args(target_std, tol, max_iter)
    args, kwargs = _batches(inputs)
    units = _units(model)
    if not units:
        raise ValueError("model has no module with a weight of 2 or more dimensions to fit")
    result = _lsuv.LSUVResult(target_std, tol)
    pooled = _pooled(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            done = set()
            for _, m, w, ws, bs, _ in units:
                if orthogonal:
                    for pname, p in ws:
                        if id(p) not in done:
                            orthogonal_(p, seed=seed, stream=stream_for_name(pname))
                            done.add(id(p))
                    if isinstance(m, torch.nn.Embedding) and m.padding_idx is not None:
                        m.weight[m.padding_idx].zero_()
                for b in bs:
                    b.zero_()
            fitted, owners, seen = {}, {}, set()
            where = {id(m): at for _, m, *__, at in units}

            def fit(module, margs, mkwargs, output, name, w):
                if id(module) in fitted or id(module) in seen or _first_float(output) is None:
                    return None
                seen.add(id(module))
                if owners.setdefault(id(w), name) != name:    # a tied weight, fitted once
                    result.tied[name] = owners[id(w)]
                    return None
                state = {"out": output}

                def measure():
                    return _std(_first_float(state["out"]), pooled)

                def scale(f):
                    w.mul_(f)
                    live = getattr(*where[id(module)])     # FSDP2: the unsharded copy
                    if live is not w:
                        live.mul_(f)
                    state["out"] = module.forward(*margs, **mkwargs)
                    result.module_calls += 1
                fitted[id(module)] = _lsuv.fit_unit(name, measure, scale, target_std, tol,
                                                    max_iter)
                return state["out"]

            _run(model, units, args, kwargs, fit)
            result.passes += 1
            after = {}

            def check(module, margs, mkwargs, output, name, w):
                if id(module) not in after and _first_float(output) is not None:
                    after[id(module)] = _std(_first_float(output), pooled)
            _run(model, units, args, kwargs, check)
            result.passes += 1
    finally:
        model.train(was_training)
    for u in fitted.values():         # execution order
        result.units.append(u)
    ids = {u.name: mid for mid, u in fitted.items()}
    for u in result.units:
        u.std_after = after.get(ids[u.name])
    result.skipped = [name for name, m, *_ in units if id(m) not in seen]
    return result


def _pooled(model):
    """The process group to pool statistics over: the default one when the model has
    DTensor parameters (FSDP2, tensor parallel) and there are several ranks, else None."""
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return None
    from torch.distributed.tensor import DTensor
    return dist.group.WORLD if any(isinstance(p, DTensor) for p in model.parameters()) \
        else None


def _std(t, group=None):
    """Population std in float64; with a process group, of every rank's ``t`` concatenated
    along dimension 0 in rank order (the same tensor, so the same value, as one process
    given the concatenated batch)."""
    t = t.detach()
    if group is not None:
        import torch.distributed as dist
        parts = [torch.empty_like(t) for _ in range(dist.get_world_size(group))]
        dist.all_gather(parts, t.contiguous(), group=group)
        t = torch.cat(parts, 0)
    return float(t.to(torch.float64).std(correction=0)) if t.numel() else 0.0


def _run(model, units, args, kwargs, fn):
    handles = []
    try:
        for name, m, w, *_ in units:
            def hook(module, margs, mkwargs, output, name=name, w=w):
                return fn(module, margs, mkwargs, output, name, w)
            # prepend: before FSDP2's post-forward hook reshards the parameters
            handles.append(m.register_forward_hook(hook, with_kwargs=True, prepend=True))
        model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
