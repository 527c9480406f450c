"""`diagnose` and LSUV for Keras 3 models (Sequential and functional), on the torch and JAX
backends.

Both walk the model's layer graph with Keras' own graph runner (``Functional.
_run_through_graph``, through :mod:`fastinit.compat.keras` like every private API), wrapping
each layer call: the wrapper records the call's output (``diagnose``) or fits the layer's
kernel on it (``lsuv``).  Layers are the graph's nodes, so a shared layer gives one record
per call; layers nested inside a layer (a ``MultiHeadAttention``'s projections, a nested
model) are part of their parent's call.  Channels-last outputs: the units are the last
axis (``data_format="channels_first"`` layers: axis 1).

Gradients: torch backend, ``torch.autograd.grad`` from the recorded outputs; JAX backend,
``jax.vjp`` of the graph with a zero added to each recorded output (its gradient is the
output's), the trainable weights passed through a ``keras.StatelessScope``."""
import math

import keras
import numpy as np

from .. import initializers as _init
from ..compat import keras as _compat
from ..core.seeding import stream_for_name
from ..fans import compute_fans
from . import lsuv as _lsuv
from .report import LayerStats, Report

__all__ = ["diagnose", "lsuv"]

GRAD_STREAM = 1 << 63
_BOUNDED = {"tanh": "tanh", "sigmoid": "sigmoid", "soft_sign": "tanh", "hard_tanh": "tanh"}
_RELU = ("relu", "relu6")
_NORMS = ("Normalization", "BatchNormalization", "LayerNormalization", "GroupNormalization",
          "RMSNormalization", "UnitNormalization")


def _graph(model):
    """The runner of ``model``'s layer graph (:func:`fastinit.compat.keras.graph_runner`)."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    return _compat.graph_runner(model)


def _np(x):
    if keras.backend.backend() == "torch":
        return x.detach().cpu().numpy()
    return np.asarray(keras.ops.convert_to_numpy(x))


def _flat(x):
    return [t for t in keras.tree.flatten(x) if hasattr(t, "shape") and hasattr(t, "dtype")]


def _is_float(t):
    return "float" in str(getattr(t, "dtype", ""))


def _run(model, inputs, wrap, training=False):
    """Run the graph; ``wrap(op, call)`` returns the callable that replaces ``op``."""
    run = _graph(model)
    inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)

    def operation_fn(op):
        def call(*args, **kwargs):
            if _compat.takes_training(op):
                kwargs["training"] = training
            return op(*args, **kwargs)
        return wrap(op, call)
    return run(list(inputs), operation_fn)


def _no_grad():
    if keras.backend.backend() == "torch":
        import torch
        return torch.no_grad()
    import contextlib
    return contextlib.nullcontext()


def _kernel(layer):
    """The layer's main weight of 2+ dimensions (kernel, embeddings, or a sublayer's)."""
    for attr in ("kernel", "embeddings"):
        v = getattr(layer, attr, None)
        if v is not None and len(v.shape) >= 2:
            return v
    for v in getattr(layer, "trainable_weights", ()):
        if len(v.shape) >= 2:
            return v
    return None


def _activation(layer):
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", None)


def _stats(layer, out, index, name, owners, fed=True):
    h = _np(out).astype(np.float64)
    fmt = getattr(layer, "data_format", "channels_last")
    axis = 1 if fmt == "channels_first" and h.ndim >= 3 else -1
    if h.ndim == 0:
        h, axis = h.reshape(1), 0
    units = h.shape[axis]
    u = np.moveaxis(h, axis, 0).reshape(units, -1)
    w = _kernel(layer)
    act = _activation(layer)
    rec = LayerStats(index=index, name=name, kind=type(layer).__name__, shape=tuple(h.shape),
                     out_mean=float(h.mean()) if h.size else 0.0,
                     out_std=float(h.std()) if h.size else 0.0,
                     zero_fraction=float((h == 0).mean()) if h.size else 0.0, units=units,
                     positions=h.size // (h.shape[0] * units) if h.ndim >= 2 and h.size else 1,
                     weighted=w is not None, free=not getattr(layer, "weights", ()))
    rec.units_identical = bool(w is not None and units > 1 and (u == u[:1]).all())
    if rec.units_identical:
        k = _np(w.value)
        k = k.reshape(-1, k.shape[-1])
        b = getattr(layer, "bias", None)
        b = None if b is None else _np(b.value).reshape(-1)
        rec.weight_identical = bool((k == k[:, :1]).all() and (b is None or (b == b[:1]).all()))
    if h.size and fed and (rec.free or act in _RELU):
        rec.dead_fraction = float((u == 0).all(1).mean())
    if act in _BOUNDED and h.size:
        s = h if _BOUNDED[act] == "tanh" else 2 * h - 1
        rec.saturated_fraction = float((np.abs(s) > 0.99).mean())
    if w is not None:
        rec.fan_in, rec.fan_out = compute_fans(tuple(w.shape))
        rec.weight_std = float(_np(w.value).astype(np.float64).std())
        base = name.split("#")[0]
        first = owners.setdefault(id(w), base)
        rec.tied_to = first if first != base else None
    return rec, axis


def _cotangents(outs, seed):
    return [keras.ops.convert_to_tensor(
        _init.normal(tuple(t.shape), seed=seed, stream=GRAD_STREAM + i,
                     dtype="float64" if "float64" in str(t.dtype) else "float32"),
        dtype=t.dtype) for i, t in enumerate(outs)]


def diagnose(model, inputs, *, seed=0, loss=None, train=False):
    """See :func:`fastinit.diagnose`."""
    _graph(model)
    backend = keras.backend.backend()
    if backend not in ("torch", "jax"):
        raise ValueError(f"Keras diagnosis runs on the torch or JAX backend, not {backend!r}")
    recs, tensors, owners, counts, names = [], [], {}, {}, {}

    def wrap(op, call):
        def recorded(*args, **kwargs):
            out = call(*args, **kwargs)
            first = next((t for t in _flat(out) if _is_float(t)), None)
            if first is not None:
                n = counts[id(op)] = counts.get(id(op), 0) + 1
                name = op.name if n == 1 else f"{op.name}#{n}"
                src = next((t for t in _flat((args, kwargs)) if _is_float(t)), None)
                own = getattr(op, "weights", ())
                fed = bool(own) or bool(src is not None and _np(src).any())
                rec, axis = _stats(op, first, len(recs), name, owners, fed)
                recs.append(rec)
                tensors.append((rec, first, axis))
                names.setdefault(id(_kernel(op)), []).append(rec)
            return out
        return recorded

    weights = [v for v in model.trainable_weights if _is_float(v)]
    grads_out, grads_w = (_torch_grads if backend == "torch" else _jax_grads)(
        model, inputs, wrap, weights, tensors, seed, loss, train)
    for (rec, _, axis), g in zip(tensors, grads_out):
        if g is not None:
            g = _np(g).astype(np.float64)
            rec.grad_std = float(g.std()) if g.size else 0.0
            if rec.weighted:
                gu = np.moveaxis(g.reshape(g.shape or (1,)), axis, 0).reshape(g.shape[axis]
                                                                               if g.ndim else 1, -1)
                rec.grad_identical = bool((gu == gu[:1]).all())
    for v, g in zip(weights, grads_w):
        for rec in names.get(id(v), []):
            rec.weight_grad_std = None if g is None else float(_np(g).astype(np.float64).std())
    shapes = [tuple(t.shape) for t in (inputs if isinstance(inputs, (tuple, list)) else [inputs])]
    return Report(recs, framework=f"keras {keras.__version__} ({backend})", model=model.name,
                  inputs=shapes, seed=seed,
                  loss=None if loss is None else getattr(loss, "__name__", "loss"))


def _torch_grads(model, inputs, wrap, weights, tensors, seed, loss, train):
    import torch
    with torch.enable_grad():
        out = _run(model, inputs, wrap, train)
        finals = [t for t in _flat(out) if _is_float(t) and t.requires_grad]
        targets = [t for _, t, _ in tensors] + [v.value for v in weights]
        live = [t.requires_grad for t in targets]
        if loss is not None:
            value = loss(out)
            finals, cots = [value.reshape(())], None
        else:
            cots = _cotangents(finals, seed)
        if not finals or not any(live):
            return [None] * len(tensors), [None] * len(weights)
        got = iter(torch.autograd.grad(finals, [t for t, l in zip(targets, live) if l], cots,
                                       allow_unused=True))
        grads = [next(got) if l else None for l in live]
    return grads[:len(tensors)], grads[len(tensors):]


def _jax_grads(model, inputs, wrap, weights, tensors, seed, loss, train):
    import jax
    _run(model, inputs, wrap, train)        # the recording pass (concrete values)
    probes = [keras.ops.zeros_like(t) for _, t, _ in tensors]

    def f(probes, values):
        pos = iter(range(len(probes)))

        def add(op, call):
            def probed(*args, **kwargs):
                out = call(*args, **kwargs)
                flat = keras.tree.flatten(out)
                k = next((j for j, t in enumerate(flat) if _is_float(t)), None)
                if k is None:
                    return out
                flat[k] = flat[k] + probes[next(pos)]
                return keras.tree.pack_sequence_as(out, flat)
            return probed
        with keras.StatelessScope(state_mapping=list(zip(weights, values))):
            out = _run(model, inputs, add, train)
        return loss(out) if loss is not None else [t for t in _flat(out) if _is_float(t)]
    outs, vjp = jax.vjp(f, probes, [v.value for v in weights])
    gp, gw = vjp(jax.numpy.ones_like(outs) if loss is not None else _cotangents(outs, seed))
    return list(gp), list(gw)


def lsuv(model, inputs, *, seed=0, target_std=1.0, tol=0.1, max_iter=10, orthogonal=True):
    """Layer-sequential unit-variance initialisation of a Keras 3 Sequential or functional
    model, in place: :func:`fastinit.torch.lsuv_` for Keras.  Every layer with a kernel or
    embeddings of 2+ dimensions (normalisations skipped) gets an orthonormal kernel from
    :func:`fastinit.orthogonal` (Keras layout, ``seed``, stream
    ``fastinit.stream_for_name(f"layers.{i}.{j}")`` for trainable weight ``j`` of
    ``model.layers[i]``, so a rebuilt model gets the same values; skipped with
    ``orthogonal=False``) and a zero bias, then, in graph order, its
    kernel is rescaled until its output std on ``inputs`` is within ``tol`` of
    ``target_std`` (at most ``max_iter`` rescales; ``MultiHeadAttention`` through its output
    projection).  A layer with a fused activation (``Dense(..., activation="relu")``) is
    fitted on its pre-activation output, as ``torch.nn.Linear`` before its ``ReLU``.  Two
    passes through the model plus single-layer calls.  Returns a
    :class:`fastinit.diagnosis.LSUVResult`."""
    from ..core.seeding import check_u64
    seed = check_u64(seed, "seed")
    target_std, tol, max_iter = _lsuv.check_args(target_std, tol, max_iter)
    _graph(model)
    units = []
    for layer in model.layers:
        if type(layer).__name__ in _NORMS or _kernel(layer) is None:
            continue
        scaled = _compat.attention_output_kernel(layer)
        scaled = _kernel(layer) if scaled is None else scaled
        units.append((layer, scaled))
    if not units:
        raise ValueError("model has no layer with a kernel of 2 or more dimensions to fit")
    result = _lsuv.LSUVResult(target_std, tol)
    done = set()
    index = {id(layer): i for i, layer in enumerate(model.layers)}
    for layer, _ in units:
        for j, v in enumerate(layer.trainable_weights):
            if len(v.shape) >= 2 and orthogonal and id(v) not in done:
                name = f"layers.{index[id(layer)]}.{j}"   # not v.path: Keras numbers names
                v.assign(_init.orthogonal(tuple(v.shape), seed=seed,
                                          stream=stream_for_name(name), dtype=v.dtype))
                done.add(id(v))
            elif len(v.shape) == 1 and v.path.rsplit("/", 1)[-1] == "bias":
                v.assign(keras.ops.zeros_like(v.value))
    scaled_of = {id(layer): w for layer, w in units}
    fitted, owners, seen = {}, {}, set()

    def first_std(out):
        t = next((t for t in _flat(out) if _is_float(t)), None)
        return float(_np(t).astype(np.float64).std()) if t is not None else math.nan

    def fit_wrap(op, call):
        if id(op) not in scaled_of:
            return call

        def fit(*args, **kwargs):
            out = call(*args, **kwargs)
            if id(op) in seen:
                return out
            seen.add(id(op))
            w = scaled_of[id(op)]
            if owners.setdefault(id(w), op.name) != op.name:
                result.tied[op.name] = owners[id(w)]
                return out
            act = getattr(op, "activation", None)
            linear = keras.activations.linear
            if act is not None and act is not linear:   # fit the pre-activation, as torch
                op.activation = linear
            try:
                state = {"out": call(*args, **kwargs) if act not in (None, linear) else out}

                def scale(f):
                    w.assign(w.value * f)
                    state["out"] = call(*args, **kwargs)
                    result.module_calls += 1
                fitted[id(op)] = _lsuv.fit_unit(op.name, lambda: first_std(state["out"]),
                                                scale, target_std, tol, max_iter)
            finally:
                if act is not None and act is not linear:
                    op.activation = act
            if act in (None, linear):
                return state["out"]
            result.module_calls += 1
            return call(*args, **kwargs)
        return fit
    with _no_grad():
        _run(model, inputs, fit_wrap)
    after = {}

    def check_wrap(op, call):
        def check(*args, **kwargs):
            if id(op) in after or id(op) not in fitted:
                return call(*args, **kwargs)
            act = getattr(op, "activation", None)
            if act is None or act is keras.activations.linear:
                out = call(*args, **kwargs)
                after[id(op)] = first_std(out)
                return out
            op.activation = keras.activations.linear
            try:
                after[id(op)] = first_std(call(*args, **kwargs))
            finally:
                op.activation = act
            return call(*args, **kwargs)
        return check
    with _no_grad():
        _run(model, inputs, check_wrap)
    result.passes = 2
    for key, u in fitted.items():
        u.std_after = after.get(key)
        result.units.append(u)
    result.skipped = [layer.name for layer, _ in units if id(layer) not in seen]
    return result
