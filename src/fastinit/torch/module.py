"""Whole models: :func:`init_module` runs a model's own init code through fastinit (the
entry point :mod:`.discover` finds, or ``init=``), and the named :data:`SCHEMES`."""
import fnmatch
import inspect
import math
import numbers
import warnings

import torch as _torch

import fastinit as _fi
from ..backends import dtensor as _torch_dtensor
from ..presets import PRESETS
from .discover import (construction_mismatch, entry_points, hf_pretrained, mismatch_message,
                       snapshot)
from .mode import InitMode
from .nn_init import (constant_, kaiming_normal_, kaiming_uniform_, ones_, orthogonal_, xavier_normal_,
                      xavier_uniform_, zeros_)

__all__ = ["init_module", "InitMode", "init_mode", "SCHEMES"]


# ---- whole modules -----------------------------------------------------------------------------
def _scheme(p):
    """Preset row ``p`` of fastinit/presets.py in torch's semantics: ``fan_avg`` is
    ``xavier_*_`` (gain sqrt(scale)), ``fan_in`` is ``kaiming_*_`` with the nonlinearity
    whose gain**2 is the scale (relu 2, linear 1); ``*_normal`` is torch's plain normal."""
    uniform = p.distribution == "uniform"
    if p.mode == "fan_avg" and p.scale == 1.0:
        fn = xavier_uniform_ if uniform else xavier_normal_
        return lambda t, **kw: fn(t, **kw)
    nonlinearity = {2.0: "relu", 1.0: "linear"}.get(p.scale) if p.mode == "fan_in" else None
    if nonlinearity is None:
        raise ValueError(f"preset {p.name!r} (scale {p.scale:g}, {p.mode!r}) has no torch "
                         "scheme: torch's xavier_*_ is (1, 'fan_avg'), kaiming_*_ with relu "
                         "or linear (2 or 1, 'fan_in')")
    fn = kaiming_uniform_ if uniform else kaiming_normal_
    return lambda t, **kw: fn(t, nonlinearity=nonlinearity, **kw)


SCHEMES = {
    **{name: _scheme(p) for p in PRESETS for name in (p.name, *p.aliases)},
    "orthogonal": lambda t, **kw: orthogonal_(t, **kw),
    "zeros": lambda t, **kw: zeros_(t),
    "ones": lambda t, **kw: ones_(t),
}
"""Named schemes for :func:`init_module`, in torch's layout and torch's semantics (the
``*_normal`` ones are plain normals, he = kaiming with ``nonlinearity='relu'``, lecun =
kaiming with ``'linear'``)."""


def init_mode(module=None, seed=None, *, generator=None):
    """Context manager routing every sampling call (``torch.nn.init.*``, in-place
    ``Tensor.normal_``/``uniform_``) to fastinit; ``module``'s parameters get the stream
    of their qualified name.  The same as :class:`InitMode`::

        with fastinit.torch.init_mode(model, seed=0):
            model.apply(my_init)          # my_init written against torch.nn.init
    """
    return InitMode(module, seed, generator=generator)


def _owners(module):
    """qualified parameter name -> (owning module, attribute name), first owner wins."""
    out = {}
    for prefix, m in module.named_modules():
        for n, p in m.named_parameters(recurse=False):
            out.setdefault(f"{prefix}.{n}" if prefix else n, (m, n))
    return out


def _is_hf_conv1d(m):
    return type(m).__name__ == "Conv1D" and type(m).__module__.startswith("transformers")


def _torch_layout(param, owner):
    """HF ``Conv1D`` stores ``(in, out)``: hand the transposed view to torch-layout rules."""
    if owner is None:
        return param
    m, n = owner
    return param.t() if n == "weight" and param.dim() == 2 and _is_hf_conv1d(m) else param


def _is_bias(name):
    return name.rsplit(".", 1)[-1].startswith("bias")


def _takes_name(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "name" or p.kind is p.VAR_KEYWORD for p in params)


def _rule(rule, what):
    """A rule of a scheme mapping -> fill(tensor, name, owner, seed, stream) or None."""
    if rule is None:
        return None
    if isinstance(rule, str):
        if rule not in SCHEMES:
            raise ValueError(f"{what} must be a callable, a number, None or one of "
                             f"{', '.join(SCHEMES)}; got {rule!r}")
        fn = SCHEMES[rule]
        return lambda t, name, owner, **kw: fn(_torch_layout(t, owner), **kw)
    if isinstance(rule, numbers.Number) and not isinstance(rule, bool):
        return lambda t, name, owner, **kw: constant_(t, rule)
    if callable(rule):
        if _takes_name(rule):
            return lambda t, name, owner, **kw: rule(t, name=name, **kw)
        return lambda t, name, owner, **kw: rule(t, **kw)
    raise TypeError(f"{what} must be a callable, a number, None or a scheme name; got "
                    f"{type(rule).__name__}")


def _scheme_rules(scheme):
    """scheme -> rules(name, param) giving a fill or None (the model's own init)."""
    if scheme is None:
        return lambda name, p: None
    if isinstance(scheme, dict):
        table = [(pattern, _rule(r, f"scheme[{pattern!r}]")) for pattern, r in scheme.items()]
        for pattern, _ in table:
            if not isinstance(pattern, str):
                raise TypeError(f"scheme patterns must be str (fnmatch globs on parameter "
                                f"names), got {pattern!r}")

        def pick(name, p):
            for pattern, fill in table:
                if fnmatch.fnmatchcase(name, pattern):
                    return fill
            return None
        return pick
    if isinstance(scheme, str) or not callable(scheme) or not _takes_name(scheme):
        if not (isinstance(scheme, str) or callable(scheme)):
            raise TypeError(f"scheme must be None, a name from SCHEMES, a callable or a "
                            f"{{pattern: rule}} dict; got {type(scheme).__name__}")
        matrix = _rule(scheme, "scheme")
        zero = _rule("zeros", "scheme")
        # classic schemes: every weight matrix, biases zeroed, the rest as the model does
        return lambda name, p: (zero if _is_bias(name) else matrix if p.dim() >= 2 else None)
    every = _rule(scheme, "scheme")       # takes name=: called for every parameter
    return lambda name, p: every


def _tie(module):
    """Re-tie Hugging Face weights (``to_empty`` and ``fully_shard`` untie them)."""
    hf = hf_pretrained()
    if hf is None:
        return
    for m in module.modules():
        if isinstance(m, hf):
            m.tie_weights()
            return


def fallback_fill(name, p, seed, owner=None):
    """The fill for a parameter no init code writes: matrices as ``Linear`` weights
    (``kaiming_uniform_(a=sqrt(5))``), biases 0, other vectors 1."""
    _fallback(name, p, owner, seed, _fi.stream_for_name(name))


def _fallback(name, p, owner, seed, stream):
    if p.dim() >= 2:
        kaiming_uniform_(_torch_layout(p, owner), a=math.sqrt(5), seed=seed, stream=stream)
    elif _is_bias(name):
        zeros_(p)
    else:
        ones_(p)


def init_module(module, seed=None, scheme=None, *, init=None, generator=None):
    """Initialise every parameter of ``module`` reproducibly, in place, and return it.

    Parameter ``name`` (qualified, as in ``named_parameters()``) is filled from
    ``(seed, stream_for_name(name))``: adding a layer leaves the others bit-identical, and
    a sharded (DTensor/FSDP2/TP) parameter equals the unsharded one.  ``seed=None`` takes
    the seed from torch's default generator (or ``generator``).

    * ``scheme=None``: the model's **own** init code, with every sampling call routed to
      fastinit (see :class:`InitMode`), found in this order (each step's writes are kept,
      later steps fill only what earlier ones left): ``init=`` if given (a callable taking
      the model, e.g. ``init=lambda m: m.init_weights(buffer_device=...)``); Hugging Face
      ``initialize_weights()`` with the weights tied first; a model-level
      ``init_weights(...)`` called with its defaults (torchtitan, timm, OLMo-style); a
      model-level ``_init_weights(module)`` applied with ``model.apply`` (nanoGPT, litgpt);
      each module's ``reset_parameters()``.  When only the last two are found and the
      constructor evidently set other values (torchvision's init loops, nanoGPT's scaled
      ``c_proj``), a warning names the parameters and how to pass ``init=`` or use
      :func:`build`.  Parameters that no init code writes get a fallback -- matrices as
      Linear weights, biases 0, other vectors 1 -- and one short warning.
    * ``scheme`` a name from :data:`SCHEMES` or a callable ``f(tensor, *, seed, stream)``:
      applied to every parameter with 2 or more dimensions whose name does not start with
      ``bias``; biases are zeroed; the rest follow the model's own init.  (HF ``Conv1D``
      weights, stored ``(in, out)``, get their fans from the right axes.)
    * a callable that accepts ``name=`` (``f(tensor, *, seed, stream, name)``) is called
      for **every** parameter; returning ``NotImplemented`` leaves that one to the model.
    * a dict ``{pattern: rule}``: the first ``fnmatch`` pattern matching the qualified name
      picks the rule -- a scheme name, ``"zeros"``/``"ones"``, a number (constant), a
      callable as above, or ``None`` (the model's own init); unmatched parameters follow
      the model's own init.

    Works on modules materialised from the meta device (``to_empty``) and on FSDP2 /
    tensor-parallel models (every rank fills only its shards).
    """
    if not isinstance(module, _torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    rules = _scheme_rules(scheme)
    units = entry_points(module, init)
    _tie(module)
    mode = InitMode(module, seed, generator=generator)
    seed = mode.seed
    params = dict(module.named_parameters())
    owners = _owners(module)
    levels = {u.level for u in units}
    check = scheme is None and not levels & {"explicit", "hf", "model"}
    before = snapshot(module) if check else None
    with _torch.no_grad():
        for name, p in params.items():
            fill = rules(name, p)
            if fill is not None and fill(p, name, owners[name], seed=seed,
                                         stream=_fi.stream_for_name(name)) is not NotImplemented:
                mode.frozen.add(name)
    with mode:
        for unit in units:
            unit.run()
            if unit.level != "module":
                mode.retie()          # the model's init may have re-tied weights
            mode.flush()
            mode.frozen |= mode.touched
            mode.touched = set()
    with _torch.no_grad():
        # padding rows are zero whatever the scheme; and torch's own zeroing,
        # weight[padding_idx].fill_(0), writes into a copy when weight is a sharded DTensor
        for m in module.modules():
            if isinstance(m, (_torch.nn.Embedding, _torch.nn.EmbeddingBag)) \
                    and m.padding_idx is not None:
                _assign_row_zero(m.weight, m.padding_idx)
    # the model's init may have re-created or re-tied parameters: look at them as they are now
    params, owners = dict(module.named_parameters()), _owners(module)
    on_meta = [n for n, p in params.items() if _is_meta(p)]
    if on_meta:
        raise RuntimeError(
            f"init_module: {len(on_meta)} parameter(s) are still on the meta device after the "
            f"model's init ({', '.join(on_meta[:4])}{', ...' if len(on_meta) > 4 else ''}): "
            "nothing was filled. Materialise the model first (model.to_empty(device=...)), "
            "or use fastinit.torch.build(factory, ...), which materialises and fills it")
    left = []
    for n, p in params.items():
        hit = mode.lookup(p)
        if (hit[0] if hit is not None else n) not in mode.frozen:
            left.append(n)
    if left:
        kinds = sorted({type(owners[n][0]).__name__ for n in left})
        warnings.warn(f"init_module: no init code for {len(left)} parameter(s) of "
                      f"{', '.join(kinds)}; used the fallback (matrices as Linear weights, "
                      "biases 0, other vectors 1)", stacklevel=2)
        with _torch.no_grad():
            for n in left:
                _fallback(n, params[n], owners[n], seed, _fi.stream_for_name(mode.canonical(n)))
    if check:
        rows = construction_mismatch(before, module)
        if rows:
            what = ("only _init_weights applied with model.apply" if "apply" in levels
                    else "only each module's reset_parameters()")
            warnings.warn(mismatch_message(module, rows, what), stacklevel=2)
    return module


def _is_meta(p):
    local = _torch_dtensor.local_tensor(p) if _torch_dtensor.is_dtensor(p) else p
    return local.is_meta


def _assign_row_zero(p, idx):
    if idx < 0:
        idx += p.shape[0]
    if _torch_dtensor.is_dtensor(p):
        local = _torch_dtensor.local_tensor(p)
        if local.is_meta:
            return
        _, parts = _torch_dtensor.blocks(p)
        for local_sl, start, global_sl in parts:
            if global_sl[0].start <= idx < global_sl[0].stop:
                local[local_sl][idx - start[0]].zero_()
    elif not p.is_meta:
        p[idx].zero_()
