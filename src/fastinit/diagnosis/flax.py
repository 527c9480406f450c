"""`diagnose` for Flax modules, NNX and linen (LSUV: :mod:`fastinit.diagnosis.flax_lsuv`).

Each submodule call is seen through Flax's own interception where it has one (linen:
``nn.intercept_methods``); NNX has none, so for the duration of the call each of the
model's submodule *instances* is given a subclass of its own class whose ``__call__``
reports to this call's recorder (``obj.__class__`` is restored after; the classes
themselves and other models are untouched; not safe while another thread calls the same
model).  Recorded: every submodule that holds no submodules, or holds parameters itself.
Activations applied as functions (``nnx.relu(x)``) are not modules: they show in the next
layer's input, not as rows of their own, so *dead* and *saturating* need activation
modules (or a layer with a fused one).

Gradients: ``jax.vjp`` of the model with a zero added to each recorded output (its
gradient is the output's) and the parameters as arguments (NNX: ``nnx.split``/``merge``;
linen: the ``params`` collection)."""

import jax
import jax.numpy as jnp
import numpy as np

from .. import initializers as _init
from ..fans import compute_fans
from .report import LayerStats, Report

__all__ = ["diagnose"]

GRAD_STREAM = 1 << 63
_WEIGHTS = ("kernel", "embedding")


def _get(var):
    """A variable's array (``get_value`` where Flax has it: ``.value`` is deprecated)."""
    return var.get_value() if hasattr(var, "get_value") else var.value


def _set(var, value):
    if hasattr(var, "set_value"):
        var.set_value(value)
    else:
        var.value = value


def _first_float(out):
    return next((t for t in jax.tree_util.tree_leaves(out)
                 if hasattr(t, "dtype") and jnp.issubdtype(t.dtype, jnp.floating)), None)


def _nonzero(x):
    """Whether array ``x`` has a nonzero element; True when it can not be read (a tracer:
    the probe passes record nothing)."""
    if x is None:
        return False
    try:
        return bool(np.asarray(x).any())
    except Exception:   # jax's TracerArrayConversionError and kin
        return True


def _add_probe(out, probe):
    leaves, tree = jax.tree_util.tree_flatten(out)
    k = next(i for i, t in enumerate(leaves)
             if hasattr(t, "dtype") and jnp.issubdtype(t.dtype, jnp.floating))
    leaves[k] = leaves[k] + probe
    return jax.tree_util.tree_unflatten(tree, leaves)


def _stats(index, name, kind, out, weight, free, fed=True, bias=None):
    h = np.asarray(out, dtype=np.float64)
    if h.ndim == 0:
        h = h.reshape(1)
    units = h.shape[-1]
    u = np.moveaxis(h, -1, 0).reshape(units, -1)
    rec = LayerStats(index=index, name=name, kind=kind, shape=tuple(h.shape),
                     out_mean=float(h.mean()) if h.size else 0.0,
                     out_std=float(h.std()) if h.size else 0.0,
                     zero_fraction=float((h == 0).mean()) if h.size else 0.0, units=units,
                     positions=h.size // (h.shape[0] * units) if h.ndim >= 2 and h.size else 1,
                     weighted=weight is not None, free=free)
    rec.units_identical = bool(weight is not None and units > 1 and (u == u[:1]).all())
    if rec.units_identical:
        k = np.asarray(weight).reshape(-1, np.shape(weight)[-1])
        b = None if bias is None else np.asarray(bias).reshape(-1)
        rec.weight_identical = bool((k == k[:, :1]).all() and (b is None or (b == b[:1]).all()))
    if free and fed and h.size:
        rec.dead_fraction = float((u == 0).all(1).mean())
    if weight is not None:
        w = np.asarray(weight, dtype=np.float64)
        rec.fan_in, rec.fan_out = compute_fans(tuple(w.shape))
        rec.weight_std = float(w.std())
    return rec


class _Recorder:
    """Records (mode "record") or adds probes (mode "probe") at each module call."""

    def __init__(self):
        self.mode, self.records, self.probes, self.k, self.counts = "record", [], None, 0, {}

    def on_call(self, key, name, kind, out, weight, free, fed=True, bias=None):
        if _first_float(out) is None:
            return out
        if self.mode == "probe":
            out = _add_probe(out, self.probes[self.k])
            self.k += 1
            return out
        n = self.counts[key] = self.counts.get(key, 0) + 1
        rec = _stats(len(self.records), name if n == 1 else f"{name}#{n}", kind,
                     _first_float(out), weight, free, fed, bias)
        rec._path, rec._dtype = key, _first_float(out).dtype
        self.records.append(rec)
        return out


def _grad_fill(rec_list, probe_grads, weight_grads):
    for rec, g in zip(rec_list, probe_grads):
        g = np.asarray(g, dtype=np.float64)
        rec.grad_std = float(g.std()) if g.size else 0.0
        if rec.weighted:
            gu = np.moveaxis(g.reshape(g.shape or (1,)), -1, 0).reshape(rec.units, -1)
            rec.grad_identical = bool((gu == gu[:1]).all())
        wg = weight_grads.get(rec._path)
        rec.weight_grad_std = None if wg is None else float(np.asarray(wg, np.float64).std())
    for rec in rec_list:
        del rec._path, rec._dtype


def _cotangents(outs, seed):
    return [jnp.asarray(_init.normal(tuple(t.shape), seed=seed, stream=GRAD_STREAM + i,
                                     dtype="float64" if t.dtype == jnp.float64 else "float32"),
                        dtype=t.dtype) for i, t in enumerate(outs)]


def _floats(out):
    return [t for t in jax.tree_util.tree_leaves(out)
            if hasattr(t, "dtype") and jnp.issubdtype(t.dtype, jnp.floating)]


def _as_args(inputs):
    return tuple(inputs) if isinstance(inputs, tuple) else (inputs,)


# ---- NNX -------------------------------------------------------------------------------

def _nnx_units(model):
    from flax import nnx
    out = []
    for path, m in nnx.iter_modules(model):
        if path == ():
            continue
        children = any(p != () for p, _ in nnx.iter_modules(m))
        own = {k: v for k, v in vars(m).items() if isinstance(v, nnx.Param)}
        if children and not own:
            continue
        weight = next((own[k] for k in _WEIGHTS if k in own and _get(own[k]).ndim >= 2),
                      next((v for v in own.values() if _get(v).ndim >= 2), None))
        out.append((path, m, weight, not own))
    return out


class _mode:
    """``model.train()``/``model.eval()`` for the duration, then each submodule's
    ``deterministic`` and ``use_running_average`` flags back as they were."""
    _FLAGS = ("deterministic", "use_running_average")

    def __init__(self, model, train):
        from flax import nnx
        self.model, self.train = model, train
        self.saved = [(m, f, getattr(m, f)) for _, m in nnx.iter_modules(model)
                      for f in self._FLAGS if hasattr(m, f)]

    def __enter__(self):
        self.model.train() if self.train else self.model.eval()

    def __exit__(self, *exc):
        for m, f, v in self.saved:
            setattr(m, f, v)


class _swapped:
    """Give each module instance a subclass whose __call__ reports to ``hook``."""

    def __init__(self, units, hook):
        self.units, self.hook, self.saved = units, hook, []

    def __enter__(self):
        made = {}
        for path, m, weight, free in self.units:
            cls = type(m)
            name = ".".join(map(str, path))

            def call(obj, *a, _cls=cls, _name=name, _path=path, _free=free, **k):
                out = _cls.__call__(obj, *a, **k)
                w = next((getattr(obj, n) for n in _WEIGHTS if hasattr(obj, n)), None)
                w = None if w is None or _get(w).ndim < 2 else _get(w)
                b = getattr(obj, "bias", None)
                src = _first_float((a, k))
                fed = not _free or _nonzero(src)
                return self.hook(obj, _path, _name, _cls.__name__, out, w, _free,
                                 lambda: _cls.__call__(obj, *a, **k), fed=fed,
                                 bias=_get(b) if hasattr(b, "get_value")
                                 or hasattr(b, "value") else None)
            sub = type(cls.__name__, (cls,), {"__call__": call, "__module__": cls.__module__,
                                              "__qualname__": cls.__qualname__})
            made[path] = sub
            self.saved.append((m, cls))
            m.__class__ = sub
        return self

    def __exit__(self, *exc):
        for m, cls in self.saved:
            m.__class__ = cls


def _nnx_diagnose(model, inputs, seed, loss, train):
    from flax import nnx
    args = _as_args(inputs)
    units = _nnx_units(model)
    rec = _Recorder()
    with _mode(model, train), \
            _swapped(units, lambda obj, path, name, kind, out, w, free, again, **info:
                     rec.on_call(path, name, kind, out, w, free, **info)):
        out = model(*args)
        graphdef, params, rest = nnx.split(model, nnx.Param, ...)
        probes = [jnp.zeros(r.shape, r._dtype) for r in rec.records]
        rec.mode, rec.probes = "probe", probes

        def f(probes, params):
            rec.probes, rec.k = probes, 0
            y = nnx.merge(graphdef, params, rest)(*args)
            return loss(y) if loss is not None else _floats(y)
        outs, vjp = jax.vjp(f, probes, params)
        gp, gparams = vjp(jnp.ones_like(outs) if loss is not None else _cotangents(outs, seed))
    flat = dict(nnx.to_flat_state(gparams))
    wgrads = {}
    for path, m, weight, free in units:
        for n in _WEIGHTS:
            if (*path, n) in flat:
                g = flat[(*path, n)]
                wgrads[path] = _get(g) if hasattr(g, "get_value") or hasattr(g, "value") else g
                break
    records = list(rec.records)
    _grad_fill(records, gp, wgrads)
    del out
    return records


# ---- linen -----------------------------------------------------------------------------

def _linen_diagnose(module, inputs, variables, seed, loss, train):
    import flax.linen as nn
    if variables is None:
        raise TypeError("a Flax linen module needs its variables: diagnose(module, inputs, "
                        "variables=module.init(key, inputs))")
    args = _as_args(inputs)
    rec = _Recorder()

    def interceptor(next_fun, a, k, context):
        out = next_fun(*a, **k)
        m = context.module
        if context.method_name != "__call__" or m.parent is None or not m.scope:
            return out
        own = m.variables.get("params", {}) if m.scope is not None else {}
        own_arrays = {n: v for n, v in own.items() if hasattr(v, "ndim")}
        if len(own_arrays) < len(own) and not own_arrays:
            return out          # a container of submodules
        w = next((own_arrays[n] for n in _WEIGHTS if n in own_arrays
                  and own_arrays[n].ndim >= 2), None)
        src = _first_float((a, k))
        fed = bool(own) or _nonzero(src)
        return rec.on_call(tuple(m.path), "/".join(m.path), type(m).__name__, out, w,
                           not own, fed, own_arrays.get("bias"))

    params = variables["params"]
    rest = {k: v for k, v in variables.items() if k != "params"}
    kwargs = {"mutable": [k for k in rest if k != "params"]} if train else {}
    with nn.intercept_methods(interceptor):
        module.apply(variables, *args, **kwargs)
        probes = [jnp.zeros(r.shape, r._dtype) for r in rec.records]
        rec.mode = "probe"

        def f(probes, params):
            rec.probes, rec.k = probes, 0
            y = module.apply({"params": params, **rest}, *args, **kwargs)
            y = y[0] if train else y
            return loss(y) if loss is not None else _floats(y)
        outs, vjp = jax.vjp(f, probes, params)
        gp, gparams = vjp(jnp.ones_like(outs) if loss is not None else _cotangents(outs, seed))
    wgrads = {}
    for r in rec.records:
        node = gparams
        for p in r._path:
            node = node.get(p, {}) if isinstance(node, dict) else {}
        g = next((node[n] for n in _WEIGHTS if isinstance(node, dict) and n in node), None)
        if g is not None:
            wgrads[r._path] = g
    records = list(rec.records)
    _grad_fill(records, gp, wgrads)
    return records


def diagnose(model, inputs, *, seed=0, loss=None, train=False, variables=None):
    """See :func:`fastinit.diagnose`."""
    import flax
    from .kinds import framework_of
    kind = framework_of(model)
    if kind == "flax.nnx":
        records = _nnx_diagnose(model, inputs, seed, loss, train)
    else:
        records = _linen_diagnose(model, inputs, variables, seed, loss, train)
    shapes = [tuple(t.shape) for t in _as_args(inputs)]
    return Report(records, framework=f"{kind} {flax.__version__}", model=type(model).__name__,
                  inputs=shapes, seed=seed,
                  loss=None if loss is None else getattr(loss, "__name__", "loss"))
