"""`diagnose` for Flax modules, NNX and linen, and LSUV for NNX (``fastinit.jax.lsuv``).

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
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import initializers as _init
from ..core.seeding import stream_for_name
from ..fans import compute_fans
from . import lsuv as _lsuv
from .report import LayerStats, Report

__all__ = ["diagnose", "lsuv"]

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
    model.train() if train else model.eval()
    with _swapped(units, lambda obj, path, name, kind, out, w, free, again, **info:
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
    from . import framework_of
    kind = framework_of(model)
    if kind == "flax.nnx":
        records = _nnx_diagnose(model, inputs, seed, loss, train)
    else:
        records = _linen_diagnose(model, inputs, variables, seed, loss, train)
    shapes = [tuple(t.shape) for t in _as_args(inputs)]
    return Report(records, framework=f"{kind} {flax.__version__}", model=type(model).__name__,
                  inputs=shapes, seed=seed,
                  loss=None if loss is None else getattr(loss, "__name__", "loss"))


# ---- LSUV (NNX) --------------------------------------------------------------------------

def lsuv(model, inputs, *, seed=0, target_std=1.0, tol=0.1, max_iter=10, orthogonal=True,
         variables=None):
    """Layer-sequential unit-variance initialisation of a Flax NNX module, in place:
    :func:`fastinit.torch.lsuv_` for Flax.  Every submodule with a ``kernel`` or
    ``embedding`` of 2+ dimensions (norms hold ``scale``, not a kernel: skipped) gets an
    orthonormal one from :func:`fastinit.orthogonal` (Flax layout ``(..., in, out)``,
    ``seed``, stream ``fastinit.stream_for_name("path.to.module.kernel")``; skipped with
    ``orthogonal=False``) and a zero bias; then, in call order, it is rescaled until its
    output std on ``inputs`` is within ``tol`` of ``target_std`` (at most ``max_iter``
    rescales).  Two forward passes plus single-module calls.  Returns a
    :class:`fastinit.diagnosis.LSUVResult`.

    A linen module: pass its ``variables``; they are immutable, so the fitted copy comes
    back with the result, ``variables, result = lsuv(module, x, variables=variables)``
    (:mod:`fastinit.diagnosis.linen`: the layers are fitted while a pass runs, passes
    repeat until one needs no rescale, usually 2)."""
    from flax import nnx
    from ..core.seeding import check_u64
    from . import framework_of
    seed = check_u64(seed, "seed")
    target_std, tol, max_iter = _lsuv.check_args(target_std, tol, max_iter)
    kind = framework_of(model)
    if kind == "flax.linen":
        from .linen import lsuv as linen_lsuv
        return linen_lsuv(model, inputs, variables, seed=seed, target_std=target_std,
                          tol=tol, max_iter=max_iter, orthogonal=orthogonal)
    if kind != "flax.nnx":
        raise TypeError(f"fastinit.jax.lsuv fits Flax NNX and linen modules, not a {kind} "
                        "model")
    if variables is not None:
        raise TypeError("variables= is for linen modules; an NNX module holds its own")
    args = _as_args(inputs)
    units = [u for u in _nnx_units(model) if any(hasattr(u[1], n) for n in _WEIGHTS)
             and u[2] is not None]
    if not units:
        raise ValueError("model has no module with a kernel or embedding of 2 or more "
                         "dimensions to fit")
    for path, m, weight, _ in units:
        name = ".".join(map(str, path))
        wname = next(n for n in _WEIGHTS if hasattr(m, n))
        p = getattr(m, wname)
        if orthogonal:
            _set(p, jnp.asarray(_init.orthogonal(
                tuple(_get(p).shape), seed=seed, stream=stream_for_name(f"{name}.{wname}"),
                dtype=str(_get(p).dtype))))
        b = getattr(m, "bias", None)
        if isinstance(b, nnx.Variable) and _get(b) is not None:
            _set(b, jnp.zeros_like(_get(b)))
    result = _lsuv.LSUVResult(target_std, tol)
    fitted, after, wanted = {}, {}, {path for path, *_ in units}
    model.eval()

    def std(out):
        t = _first_float(out)
        return math.nan if t is None else float(np.asarray(t, np.float64).std())

    def fit(obj, path, name, kind, out, w, free, again, **_):
        if path not in wanted or path in fitted:
            return out
        p = getattr(obj, next(n for n in _WEIGHTS if hasattr(obj, n)))
        state = {"out": out}

        def scale(f):
            _set(p, _get(p) * f)
            state["out"] = again()
            result.module_calls += 1
        fitted[path] = _lsuv.fit_unit(name, lambda: std(state["out"]), scale, target_std, tol,
                                      max_iter)
        return state["out"]

    def check(obj, path, name, kind, out, w, free, again, **_):
        if path in wanted and path not in after:
            after[path] = std(out)
        return out
    with _swapped(units, fit):
        model(*args)
    with _swapped(units, check):
        model(*args)
    result.passes = 2
    for path, u in fitted.items():
        u.std_after = after.get(path)
        result.units.append(u)
    result.skipped = [".".join(map(str, p)) for p, *_ in units if p not in fitted]
    return result
