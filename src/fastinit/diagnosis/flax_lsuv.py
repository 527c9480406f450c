"""LSUV for Flax: NNX modules in place, linen modules on a copy of their variables
(``fastinit.jax.lsuv``).

NNX: each weighted submodule is fitted when the forward pass reaches it (the module alone
re-run after each rescale), through the per-instance call hook of
:mod:`fastinit.diagnosis.flax`.  linen: variables are immutable, so the fit is done on a copy: each forward pass runs the
module through ``nn.intercept_methods``; at the first call of a weighted submodule whose
output std is off by more than ``tol``, the output is multiplied by ``target_std / std``
on the fly (exactly what the same factor on its kernel gives, the bias being zero and the
layer linear in its kernel) so the layers after it see the fitted signal, and the factor
is then applied to the copy's kernel.  Passes repeat until one needs no rescale (at most
``max_iter`` rescales per layer); that last pass is the check."""
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import initializers as _init
from ..core.seeding import stream_for_name
from . import lsuv as _lsuv
from .flax import _WEIGHTS, _as_args, _first_float, _get, _mode, _nnx_units, _set, _swapped

__all__ = ["lsuv"]


def _plain(tree):
    """A mutable nested-dict copy (FrozenDict included)."""
    if hasattr(tree, "items"):
        return {k: _plain(v) for k, v in tree.items()}
    return tree


def _node(params, path):
    for p in path:
        params = params.get(p, {}) if isinstance(params, dict) else {}
    return params


def lsuv_linen(module, inputs, variables, *, seed, target_std, tol, max_iter, orthogonal):
    """See :func:`lsuv`; returns ``(new_variables, result)``."""
    import flax.linen as nn
    if variables is None or "params" not in variables:
        raise TypeError("a Flax linen module needs its variables: lsuv(module, inputs, "
                        "variables=module.init(key, inputs))")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    params = _plain(variables["params"])
    rest = {k: v for k, v in variables.items() if k != "params"}
    units = []          # (path, weight name), in first-call order

    def find(next_fun, a, k, context):
        m = context.module
        if context.method_name == "__call__" and m.parent is not None:
            own = _node(params, m.path) if m.path else {}
            w = next((n for n in _WEIGHTS if isinstance(own, dict) and n in own
                      and np.ndim(own[n]) >= 2), None)
            if w is not None and (tuple(m.path), w) not in units:
                units.append((tuple(m.path), w))
        return next_fun(*a, **k)
    with nn.intercept_methods(find):
        module.apply({"params": params, **rest}, *args)
    if not units:
        raise ValueError("model has no module with a kernel or embedding of 2 or more "
                         "dimensions to fit")
    for path, w in units:
        node = _node(params, path)
        if orthogonal:
            node[w] = jax.numpy.asarray(_init.orthogonal(
                tuple(np.shape(node[w])), seed=seed,
                stream=stream_for_name(".".join(path) + "." + w), dtype=str(node[w].dtype)))
        if "bias" in node and node["bias"] is not None:
            node["bias"] = jax.numpy.zeros_like(node["bias"])
    result = _lsuv.LSUVResult(target_std, tol)
    fits = {p: _lsuv.UnitResult(".".join(p), math.nan, math.nan, 0, 1.0) for p, _ in units}
    wanted = dict(units)
    for _ in range(max_iter + 1):
        seen, scales = set(), {}

        def fit(next_fun, a, k, context):
            out = next_fun(*a, **k)
            path = tuple(context.module.path) if context.module.parent is not None else None
            if context.method_name != "__call__" or path not in wanted or path in seen:
                return out
            seen.add(path)
            t = _first_float(out)
            std = float(np.asarray(t, np.float64).std()) if t is not None else math.nan
            u = fits[path]
            if math.isnan(u.std_before):
                u.std_before = std
            u.std_fitted = std
            if u.iterations < max_iter and math.isfinite(std) and std > 0 \
                    and abs(std - target_std) > tol:
                f = target_std / std
                scales[path] = f
                return jax.tree_util.tree_map(lambda x: x * f if x is t else x, out)
            return out
        with nn.intercept_methods(fit):
            module.apply({"params": params, **rest}, *args)
        result.passes += 1
        for path, f in scales.items():
            node = _node(params, path)
            node[wanted[path]] = node[wanted[path]] * f
            fits[path].iterations += 1
            fits[path].scale *= f
            fits[path].std_fitted *= f
        if not scales:      # this pass measured the final weights: it was the check
            break
    after = {}
    if scales:              # max_iter reached: measure the final weights once more

        def check(next_fun, a, k, context):
            out = next_fun(*a, **k)
            path = tuple(context.module.path) if context.module.parent is not None else None
            if context.method_name == "__call__" and path in wanted and path not in after:
                t = _first_float(out)
                after[path] = float(np.asarray(t, np.float64).std()) if t is not None \
                    else math.nan
            return out
        with nn.intercept_methods(check):
            module.apply({"params": params, **rest}, *args)
        result.passes += 1
    for path, _ in units:
        u = fits[path]
        u.std_after = after.get(path, u.std_fitted)
        result.units.append(u)
    return {**variables, "params": params}, result


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
    (the layers are fitted while a pass runs, passes repeat until one needs no rescale,
    usually 2)."""
    from flax import nnx
    from ..core.seeding import check_u64
    from .kinds import framework_of
    seed = check_u64(seed, "seed")
    target_std, tol, max_iter = _lsuv.check_args(target_std, tol, max_iter)
    kind = framework_of(model)
    if kind == "flax.linen":
        return lsuv_linen(model, inputs, variables, seed=seed, target_std=target_std,
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
    with _mode(model, False):
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
