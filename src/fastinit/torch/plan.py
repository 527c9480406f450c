"""The init plan: per parameter, the calls that initialise it, as one object to read.

``fastinit.torch.plan(model)`` records the model's own init entry point (the one
:func:`~fastinit.torch.init_module` runs, see :mod:`.discover`) on a meta twin of the model;
``fastinit.torch.plan(factory, *args, **kw)`` records a constructor (what
:func:`~fastinit.torch.build` executes).  Each :class:`Rule` has the parameter's canonical
name (tied parameters: the first name in module order, whatever the layout), its other
names, shape, dtype, the recorded steps and a readable distribution; ``print(plan)`` shows
the table, ``plan.diff(other)`` the differences between two models, versions or layouts.
"""
import copy
import math

import torch

from ..fans import calculate_gain, torch_fans
from .record import Recorder, Step, capture

# steps that overwrite the whole tensor whatever it held
_WHOLE_FILLS = frozenset({"uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                          "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                          "orthogonal_", "sparse_", "constant_", "ones_", "zeros_", "eye_",
                          "dirac_", "fill_", "zero_", "copy_"})


def _num(v):
    return v.item() if isinstance(v, torch.Tensor) and v.numel() == 1 else v


def _kaiming_std(shape, kw):
    fan_in, fan_out = torch_fans(tuple(shape))
    fan = fan_in if kw.get("mode", "fan_in").lower() == "fan_in" else fan_out
    gain = calculate_gain(kw.get("nonlinearity", "leaky_relu"), _num(kw.get("a", 0)))
    return gain / math.sqrt(fan) if fan else float("nan")


def distribution(step, shape):
    """``(kind, params)`` of what a whole-tensor step draws, e.g. ``("normal", {"mean": 0.0,
    "std": 0.02})``; kinds: uniform, normal, truncated_normal, constant, orthogonal, eye,
    dirac, sparse, copied, other."""
    n, kw = step.name, {k: _num(v) for k, v in step.kwargs.items()}
    if n == "uniform_":
        return "uniform", {"low": kw.get("a", 0.0), "high": kw.get("b", 1.0)}
    if n == "normal_":
        return "normal", {"mean": kw.get("mean", 0.0), "std": kw.get("std", 1.0)}
    if n == "trunc_normal_":
        return "truncated_normal", {"mean": kw.get("mean", 0.0), "std": kw.get("std", 1.0),
                                    "low": kw.get("a", -2.0), "high": kw.get("b", 2.0)}
    if n in ("xavier_uniform_", "xavier_normal_"):
        fan_in, fan_out = torch_fans(tuple(shape))
        std = kw.get("gain", 1.0) * math.sqrt(2.0 / float(fan_in + fan_out))
        if n == "xavier_normal_":
            return "normal", {"mean": 0.0, "std": std}
        return "uniform", {"low": -math.sqrt(3.0) * std, "high": math.sqrt(3.0) * std}
    if n in ("kaiming_uniform_", "kaiming_normal_"):
        std = _kaiming_std(shape, kw)
        if n == "kaiming_normal_":
            return "normal", {"mean": 0.0, "std": std}
        return "uniform", {"low": -math.sqrt(3.0) * std, "high": math.sqrt(3.0) * std}
    if n in ("constant_", "fill_"):
        v = kw.get("val", step.args[0] if step.args else None)
        return "constant", {"value": _num(v)}
    if n in ("zeros_", "zero_"):
        return "constant", {"value": 0.0}
    if n == "ones_":
        return "constant", {"value": 1.0}
    if n == "orthogonal_":
        return "orthogonal", {"gain": kw.get("gain", 1.0)}
    if n == "sparse_":
        return "sparse", {"sparsity": kw.get("sparsity"), "std": kw.get("std", 0.01)}
    if n in ("eye_", "dirac_"):
        return n[:-1], {}
    if n == "copy_":
        return "copied", {}
    return "other", {}


def _scaled(dist, factor):
    kind, p = dist
    if kind in ("normal", "truncated_normal"):
        p = dict(p, mean=p["mean"] * factor, std=p["std"] * abs(factor))
        if kind == "truncated_normal":
            lo, hi = sorted((p["low"] * factor, p["high"] * factor))
            p.update(low=lo, high=hi)
    elif kind == "uniform":
        lo, hi = sorted((p["low"] * factor, p["high"] * factor))
        p = dict(p, low=lo, high=hi)
    elif kind == "constant":
        p = dict(p, value=p["value"] * factor)
    elif kind in ("orthogonal",):
        p = dict(p, gain=p["gain"] * factor)
    else:
        return None
    return kind, p


def compact(steps):
    """Drop the steps before the last one that overwrites the whole tensor."""
    for i in range(len(steps) - 1, -1, -1):
        s = steps[i]
        if s.view is None and s.name in _WHOLE_FILLS and not s.opaque:
            return steps[i:]
    return list(steps)


class Rule:
    """How one parameter is initialised."""

    def __init__(self, name, shape, dtype, steps, aliases=(), origin="", scratch=()):
        self.name, self.shape, self.dtype = name, tuple(shape), dtype
        self.steps, self.aliases, self.origin = compact(steps), tuple(aliases), origin
        self.scratch = tuple(scratch)   # draws into scratch tensors made from the parameter

    @property
    def stream(self):
        """The stream name: the canonical parameter name."""
        return self.name

    @property
    def opaque(self):
        return any(s.opaque for s in self.steps)

    @property
    def dist(self):
        """``(kind, params)`` of the values the steps give (see :func:`distribution`); the
        kind is ``"none"`` with no steps, ``"other"`` when the steps go beyond one fill
        and scalar scaling."""
        if not self.steps:
            return "none", {}
        first = self.steps[0]
        if first.view is not None or first.name not in _WHOLE_FILLS:
            return "other", {}
        d = distribution(first, self.shape)
        for s in self.steps[1:]:
            if s.view is None and s.name in ("mul_", "div_") and len(s.args) == 1 \
                    and isinstance(_num(s.args[0]), (int, float)):
                f = _num(s.args[0])
                d = _scaled(d, f if s.name == "mul_" else 1.0 / f)
                if d is None:
                    return "other", {}
            else:
                return "other", {}
        return d

    def describe(self):
        kind, p = self.dist
        if kind == "none":
            return "(no init code)"
        if kind == "other" or self.opaque:
            if self.opaque and self.scratch:
                draws = sorted({repr(s) for s in self.scratch})
                return (f"computed by the init code from {len(self.scratch)} scratch draw(s): "
                        + ", ".join(draws))
            return " ; ".join(repr(s) for s in self.steps)
        if kind == "normal":
            return f"N({p['mean']:.4g}, {p['std']:.4g})"
        if kind == "truncated_normal":
            return f"TN({p['mean']:.4g}, {p['std']:.4g}; [{p['low']:.4g}, {p['high']:.4g}])"
        if kind == "uniform":
            return f"U({p['low']:.4g}, {p['high']:.4g})"
        if kind == "constant":
            return f"const {p['value']:.6g}"
        if kind == "copied":
            return "copied (values computed by the model's code)"
        return kind + ("(" + ", ".join(f"{k}={v:.4g}" for k, v in p.items()) + ")" if p else "")

    def __repr__(self):
        return f"Rule({self.name!r}, {self.shape}, {self.describe()})"


class Plan:
    """Ordered ``{canonical name: Rule}`` with a printable table and :meth:`diff`."""

    def __init__(self, rules, source=""):
        self.rules = {r.name: r for r in rules}
        self.source = source

    def __getitem__(self, name):
        for r in self.rules.values():
            if name == r.name or name in r.aliases:
                return r
        raise KeyError(name)

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self):
        return len(self.rules)

    def table(self):
        rows = [("parameter", "shape", "init", "tied with")]
        rows += [(r.name, "x".join(map(str, r.shape)) or "()", r.describe(), ", ".join(r.aliases))
                 for r in self]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
                 for a, b, c, d in rows]
        head = f"init plan ({self.source}), {len(self)} parameters" if self.source else ""
        return "\n".join(([head] if head else []) + lines)

    __str__ = table

    def diff(self, other):
        """``[(name, this rule's init or None, other's init or None)]`` where they differ
        (by canonical name; shapes included)."""
        out = []
        for name in list(self.rules) + [n for n in other.rules if n not in self.rules]:
            a, b = self.rules.get(name), other.rules.get(name)
            da = None if a is None else f"{a.shape} {a.describe()}"
            db = None if b is None else f"{b.shape} {b.describe()}"
            if da != db:
                out.append((name, da, db))
        return out


def canonical_names(module):
    """``{id(param): (canonical name, (other names...))}``: the first name in
    ``named_parameters(remove_duplicate=False)`` order is the canonical one."""
    out = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        if id(p) in out:
            out[id(p)][1].append(name)
        else:
            out[id(p)] = (name, [])
    return {k: (n, tuple(a)) for k, (n, a) in out.items()}


def meta_twin(model):
    """A copy of ``model`` whose parameters are on the meta device (buffers copied)."""
    memo = {}
    for p in model.parameters():
        local = torch.empty(tuple(p.shape), dtype=p.dtype, device="meta")
        memo[id(p)] = torch.nn.Parameter(local, requires_grad=p.requires_grad)
    return copy.deepcopy(model, memo)


def record_units(model, units):
    """Record ``units`` (see :func:`.discover.entry_points`) on ``model`` (meta
    parameters), each unit's writes frozen for the later ones.  Returns the Recorder."""
    names = canonical_names(model)
    rec = Recorder([(names[id(p)][0], p) for p in model.parameters()])
    with rec:
        for unit in units:
            unit.run()
            rec.frozen |= rec.touched
            rec.touched = set()
    return rec


def rules_of(model, steps_by_name, origins=None, scratch=None):
    names = canonical_names(model)
    rules, seen = [], set()
    for p in model.parameters():
        name, aliases = names[id(p)]
        if name in seen:
            continue
        seen.add(name)
        origin = (origins or {}).get(name, "")
        rules.append(Rule(name, p.shape, p.dtype, steps_by_name.get(name, []), aliases, origin,
                          (scratch or {}).get(name, ())))
    return rules


def plan(model_or_factory, *args, init=None, **kwargs):
    """The init plan of a model (its own init entry point, as :func:`init_module` finds
    it; ``init=`` to pass one) or of a constructor (``plan(factory, *args, **kwargs)``,
    as :func:`build` captures it)."""
    from .discover import entry_points
    if isinstance(model_or_factory, torch.nn.Module):
        if args or kwargs:
            raise TypeError("plan(model) takes no constructor arguments; pass a factory to "
                            "plan a constructor: plan(Factory, *args, **kwargs)")
        twin = meta_twin(model_or_factory)
        units = entry_points(twin, init)
        rec = record_units(twin, units)
        src = ", then ".join(u.label for u in units if u.level != "module") or "reset_parameters()"
        return Plan(rules_of(twin, rec.steps, scratch=rec.scratch_steps), source=src)
    if not callable(model_or_factory):
        raise TypeError(f"plan() takes an nn.Module or a callable that builds one, got "
                        f"{type(model_or_factory).__name__}")
    if init is not None:
        raise TypeError("init= applies to plan(model); a factory's plan is its constructor")
    model, steps, origins = construct(model_or_factory, args, kwargs)
    return Plan(rules_of(model, steps, origins),
                source=f"{getattr(model_or_factory, '__name__', 'factory')}(...) constructor")


def execute(rules, module, seed, generator=None):
    """Run every rule's steps on ``module``'s parameters through fastinit (one
    :class:`~fastinit.torch.InitMode`): each parameter is filled once, from the stream of
    its canonical name.  A sharded (DTensor) parameter whose steps write views (an
    embedding's padding row) is built whole on the CPU under its name, and each rank keeps
    its shard."""
    from ..backends import dtensor
    from .mode import InitMode
    from .nn_init import _assign
    params = dict(module.named_parameters(remove_duplicate=False))
    mode = InitMode(module, seed, generator=generator)
    with mode, torch.no_grad():
        for r in rules:
            p = params[r.name]
            whole = None
            if dtensor.is_dtensor(p) and any(s.view is not None for s in r.steps):
                whole = torch.empty(tuple(p.shape), dtype=p.dtype)
                mode.track([(mode.lookup(p)[0] if mode.lookup(p) else r.name, whole)])
            for s in r.steps:
                _apply_step(p if whole is None else whole, s, r.name)
            if whole is not None:
                hit = mode.lookup(whole)
                mode.flush(hit[0] if hit else None)
                _assign(p, whole)
    return mode.seed


def _apply_step(p, s, name):
    if s.opaque:
        raise ValueError(f"cannot replay the init of parameter {name!r}: {s!r} uses values "
                         "that only existed on the meta device (another parameter's values?)")
    target = p
    if s.view is not None:
        shape, stride, offset = s.view
        target = p.as_strided(shape, stride, p.storage_offset() + offset)
    if isinstance(s.op, str):
        getattr(torch.nn.init, s.op)(target, *s.args, **s.kwargs)
    else:
        args = [a.to(p.device) if isinstance(a, torch.Tensor) and a.dim() else a for a in s.args]
        s.op(target, *args, **s.kwargs)


__all__ = ["Plan", "Rule", "Step", "plan", "execute", "distribution"]


def construct(factory, args=(), kwargs=None):
    """Run ``factory(*args, **kwargs)`` under :func:`.record.capture`.  Returns ``(model,
    steps by canonical name, origin kind by canonical name)``; the model's parameters are
    on the meta device."""
    rec = Recorder()
    try:
        with capture(rec) as origins:
            model = factory(*args, **(kwargs or {}))
    except Exception as e:
        raise RuntimeError(
            f"build: {getattr(factory, '__name__', factory)!r} failed while its parameters "
            f"were on the meta device ({type(e).__name__}: {e}). build needs a constructor "
            "whose init code does not read parameter values; otherwise construct the model "
            "and call fastinit.torch.init_module(model, seed, init=...)") from e
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"build: the factory must return a torch.nn.Module, got "
                        f"{type(model).__name__}")
    names = canonical_names(model)
    steps, kinds = {}, {}
    for p in model.parameters():
        name = names[id(p)][0]
        entry = origins.get(id(p))
        origin_steps, kind = (entry[1], entry[2]) if entry else ([], "")
        recorded = rec.steps.get(rec._by_id[id(p)][0], []) if id(p) in rec._by_id else []
        steps[name] = list(origin_steps) + list(recorded)
        kinds[name] = kind
    return model, steps, kinds
