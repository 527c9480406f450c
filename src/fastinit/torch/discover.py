"""Finding a model's own init entry point, and noticing when there is none.

:func:`entry_points` lists the init code :func:`fastinit.torch.init_module` runs, highest
priority first (each unit's writes are kept; later units fill only what earlier ones left):

1. ``init=`` given: that callable, ``init(model)``;
2. Hugging Face ``PreTrainedModel``: ``initialize_weights()`` (``_init_weights`` via
   ``post_init``), outermost models first;
3. a model-level ``init_weights(...)`` (torchtitan, timm, OLMo-style stacks), called with
   its defaults (torchtitan's ``buffer_device=None``, timm's ``mode=''`` /
   ``zero_init_last=True``), on the outermost modules that define one;
4. a model-level ``_init_weights(module)`` meant for ``model.apply`` (nanoGPT, litgpt);
5. each module's ``reset_parameters()`` (``_reset_parameters``), parents first.

Only 5 means "no model-level init found": then :func:`construction_mismatch` compares the
values the constructor left with what the per-module defaults gave, so that a model whose
constructor evidently set other values (torchvision's init loops, timm's ``zero_init_last``)
gets a warning naming the parameters instead of silently different weights.
"""
import inspect
import math

import torch

from ..backends import dtensor as _dtensor
from ..compat import transformers as _hf_compat


def hf_pretrained():
    return _hf_compat.pretrained_class()


def _hf_initialize(model):
    # construction marks every module initialised; clear the marks so the init runs again
    _hf_compat.initialize(model)


def _own_method(m, name):
    """``m.name`` when the class defines it (not ``nn.Module``, not an instance attribute
    that is not callable), else None."""
    fn = getattr(type(m), name, None)
    if fn is None or getattr(torch.nn.Module, name, None) is fn or not callable(fn):
        return None
    return getattr(m, name)


def _required(fn, skip=0):
    """Names of the parameters of ``fn`` that have no default (after ``skip``)."""
    try:
        params = list(inspect.signature(fn).parameters.values())[skip:]
    except (TypeError, ValueError):
        return []
    return [p.name for p in params
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                   p.KEYWORD_ONLY)]


class Unit:
    """One piece of init code: ``label`` (for messages and plans), ``run()``, ``level``
    (``"explicit"``, ``"hf"``, ``"model"``, ``"apply"`` or ``"module"``)."""

    def __init__(self, label, run, level):
        self.label, self.run, self.level = label, run, level

    def __repr__(self):
        return f"Unit({self.label!r}, {self.level})"


def _under(prefix, claimed):
    return any(prefix == c or prefix.startswith(c + ".") or c == "" for c in claimed)


def entry_points(model, init=None):
    """The init units of ``model``, highest priority first (see the module docstring)."""
    units = []
    if init is not None:
        if not callable(init):
            raise TypeError(f"init must be a callable taking the model (e.g. "
                            f"init=lambda m: m.init_weights()), got {type(init).__name__}")
        units.append(Unit(getattr(init, "__name__", "init"), lambda: init(model), "explicit"))
    else:
        claimed = []
        hf = hf_pretrained()
        for prefix, m in model.named_modules():
            if _under(prefix, claimed):
                continue
            if hf is not None and isinstance(m, hf):
                claimed.append(prefix)
                units.append(Unit(f"{prefix or type(m).__name__}.initialize_weights()",
                                  lambda m=m: _hf_initialize(m), "hf"))
                continue
            fn = _own_method(m, "init_weights")
            if fn is not None:
                need = _required(fn)
                if need:
                    raise TypeError(
                        f"init_module: {type(m).__name__}.init_weights needs argument(s) "
                        f"{', '.join(need)}; pass the entry point explicitly, e.g. "
                        f"init=lambda m: m.init_weights({need[0]}=...)")
                claimed.append(prefix)
                units.append(Unit(f"{prefix + '.' if prefix else ''}init_weights()", fn, "model"))
                continue
            fn = _own_method(m, "_init_weights")
            if fn is not None and len(_required(fn)) == 1:
                claimed.append(prefix)
                units.append(Unit(f"{prefix or 'model'}.apply({type(m).__name__}._init_weights)",
                                  lambda m=m, fn=fn: m.apply(fn), "apply"))
    for prefix, m in model.named_modules():
        fn = getattr(m, "reset_parameters", None)
        if not callable(fn):
            fn = getattr(m, "_reset_parameters", None)
        if callable(fn) and not _required(fn):
            units.append(Unit(f"{prefix or type(m).__name__}.{fn.__name__}()", fn, "module"))
    return units


# ---- "did the constructor evidently set other values?" --------------------------------------
_GARBAGE = "garbage"
_SAMPLE = 4096        # values compared per parameter (std to ~2%, well inside the 25% tolerance)


def _summary(t):
    """(numel, constant value or None, mean, std) of a plain tensor's values; None when
    they cannot be read (meta, DTensor, not floating point); :data:`_GARBAGE` when they
    cannot be an init (not finite, huge, or a spread below 1e-8: uninitialised memory)."""
    if _dtensor.is_dtensor(t) or t.is_meta or t.numel() == 0 or not t.dtype.is_floating_point:
        return None
    x = t.detach().reshape(-1)
    if x.numel() > _SAMPLE:
        # the same fixed positions before and after the init: a statistic of the values,
        # not a pass over every element (a whole-model pass cost 20x the init itself)
        g = torch.Generator(device=x.device).manual_seed(x.numel())
        x = x[torch.randint(0, x.numel(), (_SAMPLE,), generator=g, device=x.device)]
    x = x.to(torch.float64)
    if not bool(torch.isfinite(x).all()) or float(x.abs().max()) > 1e6:
        return _GARBAGE
    lo, hi = float(x.min()), float(x.max())
    const = lo if lo == hi else None
    std = float(x.std()) if x.numel() > 1 else 0.0
    if const is None and std < 1e-8:
        return _GARBAGE
    return x.numel(), const, float(x.mean()), std


def snapshot(model):
    """Per parameter name, the summary of its current values (see :func:`construction_mismatch`)."""
    with torch.no_grad():
        return {n: _summary(p) for n, p in model.named_parameters()}


def _differs(before, after):
    if not isinstance(before, tuple) or not isinstance(after, tuple):
        return False
    n, c0, m0, s0 = before
    _, c1, m1, s1 = after
    if c0 is not None or c1 is not None:
        return c0 != c1
    if n < 64:
        return False
    tol = max(0.25, 6.0 / math.sqrt(2 * n))       # std estimates: ~1/sqrt(2n) relative noise
    if not (1 / (1 + tol) <= s1 / s0 <= 1 + tol):
        return True
    return abs(m1 - m0) > 0.5 * max(s0, s1)


def _fmt(s):
    if s[1] is not None:
        return f"const {s[1]:g}"
    return f"std {s[3]:.3g}"


def construction_mismatch(before, model):
    """``[(name, before, after)]`` for parameters whose values now evidently differ from
    the constructor's.  Only models whose constructor evidently ran are compared: some
    parameter holds random-looking values and none holds values no init gives (memory
    from ``to_empty`` says nothing)."""
    if any(s is _GARBAGE for s in before.values()) or \
            not any(s is not None and s[1] is None for s in before.values()):
        return []
    after = snapshot(model)
    return [(n, before[n], after.get(n)) for n in before if _differs(before[n], after.get(n))]


def mismatch_message(model, rows, what):
    shown = ", ".join(f"{n} ({_fmt(b)} -> {_fmt(a)})" for n, b, a in rows[:6])
    more = f" and {len(rows) - 6} more" if len(rows) > 6 else ""
    return (f"init_module: {type(model).__name__} has no model-level init that fastinit can "
            f"find ({what}), and its constructor evidently set other values than that gives "
            f"for {len(rows)} parameter(s): {shown}{more}. Pass the model's own init as "
            f"init=callable (e.g. init=lambda m: m.init_weights()), or build the model with "
            f"fastinit.torch.build(factory, ...), which captures the constructor's init calls.")
