"""Recording init code instead of running it: the calls that write each parameter.

:class:`Recorder` is a ``TorchFunctionMode`` over a model whose parameters are on the meta
device.  Every write to a parameter (or a view of one, or its ``.data``) -- the
``torch.nn.init`` functions, ``Tensor.normal_``/``uniform_``, in-place arithmetic,
``__setitem__``, ``copy_`` -- is appended to that parameter's list of :class:`Step`;
nothing is sampled.  :func:`capture` runs a model's constructor that way: parameters are
moved to meta as they are registered (buffers stay real), and what the constructor did to
a tensor before it became a parameter (``nn.Parameter(torch.empty(n).normal_(std=0.02))``)
becomes that parameter's first steps.
"""
import contextlib
import inspect
import itertools
import weakref

import torch
from torch.overrides import TorchFunctionMode

from . import routing
from .mode import _DETERMINISTIC_NN, _NOT_WRITES, _RANDOM_NN, _SCRATCH, _SIGNATURE

_FILL_METHODS = {torch.Tensor.normal_: "normal_", torch.Tensor.uniform_: "uniform_"}
_EMPTY = frozenset({"empty", "empty_like", "new_empty", "empty_strided"})


class Step:
    """One recorded call: ``op`` (an ``nn.init`` function name, or the torch function
    itself), its other arguments, and ``view`` -- None for the whole parameter, else the
    ``(shape, stride, offset)`` of the view written, relative to the parameter."""

    __slots__ = ("op", "args", "kwargs", "view", "opaque")

    def __init__(self, op, args=(), kwargs=None, view=None, opaque=False):
        self.op, self.args, self.kwargs = op, tuple(args), dict(kwargs or {})
        self.view, self.opaque = view, opaque

    @property
    def name(self):
        return self.op if isinstance(self.op, str) else getattr(self.op, "__name__", str(self.op))

    def __repr__(self):
        parts = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        where = "" if self.view is None else f"[view {tuple(self.view[0])}@{self.view[2]}]"
        return f"{self.name}({', '.join(parts)}){where}"

    def key(self):
        """A comparable form (tensor arguments by shape)."""
        return (self.name, tuple(_short(a) for a in self.args),
                tuple(sorted((k, _short(v)) for k, v in self.kwargs.items())),
                None if self.view is None else (tuple(self.view[0]), tuple(self.view[1]),
                                                self.view[2]))


def _short(v):
    if isinstance(v, torch.Tensor):
        return f"<tensor {tuple(v.shape)}>" if v.numel() != 1 or v.is_meta else f"{v.item():.6g}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


def _plain_arg(v):
    """A step's argument as kept: numbers as they are, real tensors detached (meta tensors
    are values nobody knows: the step is opaque)."""
    if isinstance(v, torch.Tensor):
        return v.detach(), v.is_meta
    if isinstance(v, (list, tuple)):
        out = [_plain_arg(x) for x in v]
        return type(v)(x for x, _ in out), any(o for _, o in out)
    return v, False


class Recorder(TorchFunctionMode):
    """Record the writes to ``named`` parameters (``[(name, param)]``, meta tensors)."""

    def __init__(self, named=()):
        super().__init__()
        self.steps = {}            # name -> [Step]
        self.frozen = set()        # names whose writes are ignored (an earlier unit set them)
        self.touched = set()
        self._by_id = {}
        self._keep = []            # aliases and temporaries stay alive while recording
        self.temps = {}            # id(tensor) -> (tensor, [Step]): fills before nn.Parameter()
        self.empties = {}          # id(tensor) -> weakref of a tensor made by torch.empty & co.
        self.scratch = {}          # id(scratch made from a parameter) -> (tensor, name)
        self.scratch_steps = {}    # name -> [Step] drawn into its scratch tensors
        self._calls = itertools.count()
        self.track(named)

    def track(self, named):
        for name, p in named:
            self._by_id.setdefault(id(p), (name, p))
            self.steps.setdefault(name, [])

    def lookup(self, t):
        """``(name, view)`` when ``t`` is a tracked parameter, its ``.data`` or a view of it."""
        hit = self._by_id.get(id(t))
        if hit is not None and hit[1] is t:
            return hit[0], None
        base = getattr(t, "_base", None)
        if base is not None:
            hit = self._by_id.get(id(base))
            if hit is not None and hit[1] is base:
                if (tuple(t.shape), t.stride(), t.storage_offset()) == \
                        (tuple(base.shape), base.stride(), base.storage_offset()):
                    return hit[0], None
                return hit[0], (tuple(t.shape), tuple(t.stride()),
                                t.storage_offset() - base.storage_offset())
        return None

    def _add(self, hit, step):
        name, view = hit
        if name in self.frozen:
            return
        step.view = view
        self.touched.add(name)
        self.steps[name].append(step)

    def _temp(self, t, step):
        entry = self.temps.get(id(t))
        if entry is None or entry[0] is not t:
            entry = self.temps[id(t)] = (t, [])
            self._keep.append(t)
        entry[1].append(step)

    # ---- the torch.nn.init functions --------------------------------------------------
    def routed(self, name, args):
        """trunc_normal_/orthogonal_/sparse_ reached through :mod:`routing`."""
        return self._nn(name, args, {})

    def _nn(self, name, args, kwargs):
        bound = _SIGNATURE[name].bind(*args, **kwargs)
        tensor = bound.arguments.pop("tensor")
        bound.arguments.pop("generator", None)
        step = Step(name, (), dict(bound.arguments))
        hit = self.lookup(tensor)
        if hit is not None:
            self._add(hit, step)
            return tensor
        sc = self.scratch.get(id(tensor))
        if sc is not None and sc[0] is tensor and sc[1] not in self.frozen:
            self.scratch_steps.setdefault(sc[1], []).append(step)
        return self._untracked(tensor, step)

    def _untracked(self, tensor, step):
        """A fill of a tensor that is not (yet) a parameter: remember it (it may become
        one) and fill it with fastinit, from a call-order stream, so it holds real values."""
        from .. import stream_for_name
        from . import nn_init
        if tensor.is_meta:
            return tensor
        self._temp(tensor, step)
        fn = getattr(nn_init, step.op)
        kw = dict(step.kwargs)
        if step.op in _RANDOM_NN:
            kw.update(seed=0, stream=stream_for_name(f"fastinit.record/{next(self._calls)}"))
        with torch.no_grad():
            fn(tensor, **kw)
        return tensor

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if func in _FILL_METHODS:
            t, rest = args[0], args[1:]
            keys = ("mean", "std") if func is torch.Tensor.normal_ else ("a", "b")
            kw = {k: v for k, v in zip(keys, rest)}
            kw.update({({"from": "a", "to": "b"}).get(k, k): v for k, v in kwargs.items()
                       if k != "generator"})
            return self._nn(_FILL_METHODS[func], (t,), kw)
        if name in _SIGNATURE and inspect.isfunction(func) and name in _RANDOM_NN + _DETERMINISTIC_NN:
            return self._nn(name, args, kwargs)
        out = func(*args, **kwargs)
        if name in _SCRATCH and args and isinstance(args[0], torch.Tensor) \
                and isinstance(out, torch.Tensor):
            hit = self.lookup(args[0])
            if hit is not None:
                self.scratch[id(out)] = (out, hit[0])
                self._keep.append(out)
        if name in _EMPTY and isinstance(out, torch.Tensor) and not out.is_meta:
            self.empties[id(out)] = weakref.ref(out)
        if func is torch.Tensor.data.__get__ or name == "detach":
            hit = self.lookup(args[0]) if args else None
            if hit is not None and hit[1] is None:
                self._by_id[id(out)] = (hit[0], out)
                self._keep.append(out)
            return out
        target = None
        if name == "__setitem__" or (name.endswith("_") and not name.startswith("_")
                                     and name not in _NOT_WRITES):
            target = args[0] if args else None
        elif isinstance(kwargs.get("out"), torch.Tensor):
            target = kwargs["out"]
        if isinstance(target, torch.Tensor):
            rest_args = args[1:] if target is (args[0] if args else None) else args
            rest_kw = {k: v for k, v in kwargs.items() if k != "out"}
            plain = [_plain_arg(a) for a in rest_args]
            plain_kw = {k: _plain_arg(v) for k, v in rest_kw.items()}
            opaque = any(o for _, o in plain) or any(o for _, o in plain_kw.values())
            step = Step(func, [a for a, _ in plain], {k: a for k, (a, _) in plain_kw.items()},
                        opaque=opaque)
            hit = self.lookup(target)
            if hit is not None:
                self._add(hit, step)
            elif id(target) in self.temps and self.temps[id(target)][0] is target:
                self.temps[id(target)][1].append(step)
        return out

    def __enter__(self):
        routing.enter(self)
        return super().__enter__()

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            routing.exit(self)


def _origin(rec, data):
    """``(steps, kind)`` that made ``data``, a real tensor passed to ``nn.Parameter``:
    its recorded fills, ``"empty"`` (torch.empty & co.: no values yet), ``"constant"``, or
    ``"computed"`` (values from code fastinit did not see, e.g. ``torch.randn(n) * 0.02``)."""
    entry = rec.temps.get(id(data))
    if entry is not None and entry[0] is data:
        return list(entry[1]), "steps"
    ref = rec.empties.get(id(data))
    if ref is not None and ref() is data:
        return [], "empty"
    if data.numel() == 0:
        return [], "empty"
    flat = data.detach().flatten()
    if bool((flat == flat[0]).all()):
        return [Step("constant_", (), {"val": flat[0].item()})], "constant"
    return [Step(torch.Tensor.copy_, (data.detach().clone().cpu(),), {})], "computed"


@contextlib.contextmanager
def capture(rec):
    """While active, parameters made by ``nn.Parameter`` from a real tensor are created on
    the meta device instead, and ``rec`` (a :class:`Recorder`, entered here) records their
    steps.  Yields a dict ``id(meta param) -> (meta param, origin steps, origin kind)``;
    every such parameter is tracked by ``rec`` under the name ``"#<k>"``."""
    origins = {}
    raw_new = torch.nn.Parameter.__dict__["__new__"]
    orig_new = torch.nn.Parameter.__new__

    def new(cls, data=None, requires_grad=True):
        if cls is torch.nn.Parameter and isinstance(data, torch.Tensor) and not data.is_meta \
                and type(data) is torch.Tensor:
            steps, kind = _origin(rec, data)
            p = orig_new(cls, torch.empty_like(data, device="meta"), requires_grad)
            origins[id(p)] = (p, steps, kind)
            rec.track([(f"#{len(origins)}", p)])
            return p
        return orig_new(cls, data, requires_grad)

    torch.nn.Parameter.__new__ = staticmethod(new)
    try:
        with rec:
            yield origins
    finally:
        type.__setattr__(torch.nn.Parameter, "__new__", raw_new)
