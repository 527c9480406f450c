"""LSUV for a Flax linen module (``fastinit.jax.lsuv(module, inputs, variables=...)``).

linen variables are immutable, so the fit is done on a copy: each forward pass runs the
module through ``nn.intercept_methods``; at the first call of a weighted submodule whose
output std is off by more than ``tol``, the output is multiplied by ``target_std / std``
on the fly (exactly what the same factor on its kernel gives, the bias being zero and the
layer linear in its kernel) so the layers after it see the fitted signal, and the factor
is then applied to the copy's kernel.  Passes repeat until one needs no rescale (at most
``max_iter`` rescales per layer); that last pass is the check."""
import math

import jax
import numpy as np

from .. import initializers as _init
from ..core.seeding import stream_for_name
from . import lsuv as _lsuv

__all__ = ["lsuv"]

_WEIGHTS = ("kernel", "embedding")


def _plain(tree):
    """A mutable nested-dict copy (FrozenDict included)."""
    if hasattr(tree, "items"):
        return {k: _plain(v) for k, v in tree.items()}
    return tree


def _node(params, path):
    for p in path:
        params = params.get(p, {}) if isinstance(params, dict) else {}
    return params


def _first_float(out):
    import jax.numpy as jnp
    return next((t for t in jax.tree_util.tree_leaves(out)
                 if hasattr(t, "dtype") and jnp.issubdtype(t.dtype, jnp.floating)), None)


def lsuv(module, inputs, variables, *, seed, target_std, tol, max_iter, orthogonal):
    """See :func:`fastinit.diagnosis.flax.lsuv`; returns ``(new_variables, result)``."""
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
