"""Routing of the ``torch.nn.init`` functions that torch builds from private temporaries.

``trunc_normal_`` (a rejection loop over ``normal_`` in torch 2.13/2.14), ``orthogonal_``
(QR of a scratch matrix) and ``sparse_`` (``randperm``) cannot be caught call by call
from inside: their temporaries are not parameters, so their draws would come from
call-order streams.  Replacing the module attribute (``torch.nn.init.trunc_normal_ =
...``) misses every reference taken before: ``functools.partial(nn.init.trunc_normal_,
std=0.02)`` bound at import (torchtitan), ``from torch.nn.init import trunc_normal_``,
tables of functions (Hugging Face).

So, while at least one fastinit mode is active in the process, the *code* of those three
function objects (and of timm's truncated-normal sampler, when timm is imported: see
:data:`EXTRA`) is swapped for a trampoline with the same signature: every reference,
however it was taken, reaches :func:`_dispatch`.  The trampoline routes the call to the
innermost fastinit mode active **on the calling thread**; a thread with no active mode
runs torch's original code unchanged (a copy of the original function object), so
other threads are never affected.  The swap is undone when the last mode exits.

A torch whose functions cannot take a trampoline (another signature, a closure) gets
the attribute-level fallback instead: the bindings in the modules of
:data:`fastinit.compat.torch.NN_INIT_BINDERS` are replaced, while any mode is active,
by dispatchers that make the same per-thread choice (references taken before are then
not routed, but other threads are still never affected).
"""
import inspect
import sys
import threading
import types

import torch

from ..compat import torch as _compat

TARGETS = ("trunc_normal_", "orthogonal_", "sparse_")
_INIT = torch.nn.init
_ROUTE = "_fastinit_route"          # the global the trampolines call, in each function's module
# other libraries' samplers with torch's semantics, routed the same way when imported:
# (module, function, routed as).  timm's _trunc_normal_(tensor, mean, std, a, b) is the
# inverse-CDF core of timm's trunc_normal_ and trunc_normal_tf_ (absolute bounds).
EXTRA = (("timm.layers.weight_init", "_trunc_normal_", "trunc_normal_"),)


def _trampoline_code(name, fn, routed_as):
    """The code object of ``def name(<fn's parameters>): return _fastinit_route(routed_as,
    ...)``; None when ``fn`` has a signature this cannot mirror."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params) or fn.__closure__ \
            or len(fn.__defaults__ or ()) != sum(p.default is not p.empty for p in params):
        return None
    head = ", ".join(p.name if p.default is p.empty else f"{p.name}=None" for p in params)
    call = ", ".join(p.name for p in params)
    src = f"def {name}({head}):\n    return {_ROUTE}_{name}({routed_as!r}, {call})\n"
    ns = {}
    exec(compile(src, f"<fastinit routing of {fn.__module__}.{name}>", "exec"), ns)
    return ns[name].__code__


class _Target:
    """One function object whose code is swapped while a mode is active."""

    def __init__(self, fn, routed_as):
        self.fn, self.routed_as = fn, routed_as
        self.code = fn.__code__
        self.trampoline = _trampoline_code(fn.__name__, fn, routed_as)
        # a callable copy of the original: what a thread without a mode runs
        self.original = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__,
                                           fn.__defaults__, fn.__closure__)
        self.original.__kwdefaults__ = fn.__kwdefaults__


_TORCH = {n: _Target(getattr(_INIT, n), n) for n in TARGETS}
_EXTRA = {}                         # (module, function) -> _Target, made on first use
_lock = threading.Lock()
_installed = 0
_local = threading.local()


def _stack():
    s = getattr(_local, "modes", None)
    if s is None:
        s = _local.modes = []
    return s


def _dispatcher(target):
    def dispatch(name, *args):
        stack = _stack()
        if not stack:
            return target.original(*args)
        return stack[-1].routed(name, args)
    return dispatch


def _targets():
    out = list(_TORCH.values())
    for mod_name, fn_name, routed_as in EXTRA:
        mod = sys.modules.get(mod_name)
        fn = getattr(mod, fn_name, None) if mod is not None else None
        if isinstance(fn, types.FunctionType):
            key = (mod_name, fn_name)
            if key not in _EXTRA or _EXTRA[key].fn is not fn:
                _EXTRA[key] = _Target(fn, routed_as)
            out.append(_EXTRA[key])
    return out


_active = []                        # the targets swapped now


def _attribute_dispatcher(name, original):
    """The fallback's replacement for one binding: the calling thread's innermost mode,
    or ``original`` in a thread with none."""
    def fn(*args, **kwargs):
        stack = _stack()
        if not stack:
            return original(*args, **kwargs)
        return stack[-1].routed(name, args, kwargs)
    fn.__name__ = fn.__qualname__ = f"fastinit_{name}"
    fn.__wrapped__ = original
    return fn


_swapped_attributes = []           # (module, name, original, dispatcher) of the fallback


def _swap_attributes():
    for mod in _compat.nn_init_binders():
        for n, t in _TORCH.items():
            if t.trampoline is None and hasattr(mod, n):
                old = getattr(mod, n)
                new = _attribute_dispatcher(n, old)
                _swapped_attributes.append((mod, n, old, new))
                setattr(mod, n, new)


def _restore_attributes():
    for mod, n, old, new in reversed(_swapped_attributes):
        if getattr(mod, n, None) is new:        # not replaced by someone since
            setattr(mod, n, old)
    del _swapped_attributes[:]


def enter(mode):
    """Make ``mode`` (an object with ``routed(name, args)``) the calling thread's
    innermost target, swapping the code of the three functions in on first use."""
    global _installed
    _stack().append(mode)
    with _lock:
        if _installed == 0:
            for t in _targets():
                if t.trampoline is not None:
                    # each trampoline finds its dispatcher among its module's globals
                    t.fn.__globals__[_ROUTE + "_" + t.fn.__name__] = _dispatcher(t)
                    t.fn.__code__ = t.trampoline
                    _active.append(t)
            _swap_attributes()
        _installed += 1


def exit(mode):
    """Undo :func:`enter` for ``mode``."""
    global _installed
    stack = _stack()
    if mode in stack:
        # remove the innermost occurrence (modes exit in reverse order of entry)
        del stack[len(stack) - 1 - stack[::-1].index(mode)]
    with _lock:
        _installed -= 1
        if _installed == 0:
            for t in _active:
                t.fn.__code__ = t.code
            _active.clear()
            _restore_attributes()


def is_routed(name):
    """True when ``torch.nn.init.<name>`` is routed by code swapping on this torch."""
    return _TORCH[name].trampoline is not None
