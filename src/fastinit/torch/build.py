"""``fastinit.torch.build``: construct a model with its init calls captured, then draw every
parameter once, with fastinit, where it will live.

Many models initialise only inside ``__init__`` (torchvision's init loops, nanoGPT's scaled
``c_proj``, timm's ``named_apply``, Hugging Face ``from_config``).  :func:`build` runs the
constructor with each ``nn.Parameter`` created on the meta device and every write to it
recorded (:mod:`.record`) -- no parameter memory, no torch RNG fill -- then allocates the
parameters on ``device`` (or lets ``parallelize`` shard them first), re-ties what was tied,
and replays each parameter's recorded init through fastinit, from the stream of its
canonical name (:func:`.plan.execute`).  Buffers are made by the constructor as usual.
"""
import warnings

import torch

from .plan import construct, execute, rules_of


def _tie_groups(model):
    """``[[(module, attr), ...]]`` for parameters registered in more than one place."""
    where = {}
    for m in model.modules():
        for attr, p in m._parameters.items():
            if p is not None:
                where.setdefault(id(p), []).append((m, attr))
    return [g for g in where.values() if len(g) > 1]


def _check_device(device):
    if device is None:
        return torch.device("cpu")
    try:
        device = torch.device(device)
    except (TypeError, RuntimeError) as e:
        raise ValueError(f"device must be a torch.device or a device string, got {device!r}") from e
    if device.type == "meta":
        raise ValueError("device='meta' makes nothing to fill; use fastinit.torch.plan(factory) "
                         "to see what build would do")
    return device


def build(factory, *args, seed=None, device=None, parallelize=None, generator=None, **kwargs):
    """Construct ``factory(*args, **kwargs)`` with its init captured, and initialise every
    parameter once, through fastinit, on ``device`` (default CPU).

    The constructor runs with parameters on the meta device and every write to them
    recorded (the model's own init: ``reset_parameters``, init loops, ``self.apply(...)``,
    scaled projections); each parameter is then allocated on ``device`` and drawn from
    ``(seed, stream_for_name(canonical name))`` with the recorded distribution.  Tied
    parameters stay tied and are drawn once, under the first name in module order.

    ``parallelize``: a function called with the model while its parameters are still on
    meta (e.g. ``fully_shard`` / ``parallelize_module``); each rank then fills only its
    shards, equal to the unsharded model's values.  ``seed=None`` takes the seed from
    torch's default generator (or ``generator``).

    Parameters whose values the constructor computed without an init call fastinit can see
    (``nn.Parameter(torch.randn(n) * 0.02)`` never overwritten later) keep those values, and
    parameters with no init code at all get :func:`init_module`'s fallback; both warn.
    """
    if not callable(factory):
        raise TypeError(f"factory must be a callable that builds a torch.nn.Module (a class or "
                        f"function), got {type(factory).__name__}")
    if parallelize is not None and not callable(parallelize):
        raise TypeError(f"parallelize must be a callable taking the model, got "
                        f"{type(parallelize).__name__}")
    device = _check_device(device)
    model, steps, kinds = construct(factory, args, kwargs)
    groups = _tie_groups(model)
    buffers = {n: b for n, b in model.named_buffers() if not b.is_meta}
    if parallelize is not None:
        out = parallelize(model)
        model = out if isinstance(out, torch.nn.Module) else model
    model.to_empty(device=device)
    with torch.no_grad():
        for n, b in model.named_buffers():
            if n in buffers:
                b.copy_(buffers[n].to(b.device) if not _is_dtensor(b) else buffers[n])
    for group in groups:
        m0, a0 = group[0]
        for m, a in group[1:]:
            m._parameters[a] = m0._parameters[a0]
    rules = rules_of(model, steps, kinds)
    computed = [r.name for r in rules if kinds.get(r.name) == "computed"
                and r.dist[0] == "copied"]
    empty = [r for r in rules if not r.steps]
    if computed:
        warnings.warn(f"build: {len(computed)} parameter(s) hold values the constructor computed "
                      f"without an init call fastinit can see (copied as they were, from "
                      f"torch's RNG if random): {', '.join(computed[:6])}", stacklevel=2)
    seed = execute([r for r in rules if r.steps], model, seed, generator)
    if empty:
        from .module import fallback_fill
        names = [r.name for r in empty]
        warnings.warn(f"build: no init code for {len(names)} parameter(s) "
                      f"({', '.join(names[:6])}); used the fallback (matrices as Linear "
                      "weights, biases 0, other vectors 1)", stacklevel=2)
        params = dict(model.named_parameters())
        with torch.no_grad():
            for n in names:
                fallback_fill(n, params[n], seed)
    return model


def _is_dtensor(t):
    from ..backends import dtensor
    return dtensor.is_dtensor(t)


__all__ = ["build", "construct"]
