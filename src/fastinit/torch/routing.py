"""Routing of the ``torch.nn.init`` functions that torch builds from private temporaries.

``trunc_normal_`` (a rejection loop over ``normal_`` in torch 2.13/2.14), ``orthogonal_``
(QR of a scratch matrix) and ``sparse_`` (``randperm``) cannot be caught call by call
from inside: their temporaries are not parameters, so their draws would come from
call-order streams.  Replacing the module attribute (``torch.nn.init.trunc_normal_ =
...``) misses every reference taken before: ``functools.partial(nn.init.trunc_normal_,
std=0.02)`` bound at import (torchtitan), ``from torch.nn.init import trunc_normal_``,
tables of functions (Hugging Face).

So, while at least one fastinit mode is active in the process, the *code* of those three
function objects is swapped for a trampoline with the same signature: every reference,
however it was taken, reaches :func:`_dispatch`.  The trampoline routes the call to the
innermost fastinit mode active **on the calling thread**; a thread with no active mode
runs torch's original code unchanged (a copy of the original function object), so
other threads are never affected.  The swap is undone when the last mode exits.
"""
import inspect
import threading
import types

import torch

TARGETS = ("trunc_normal_", "orthogonal_", "sparse_")
_INIT = torch.nn.init
_FUNCS = {n: getattr(_INIT, n) for n in TARGETS}
_ORIGINAL_CODE = {n: f.__code__ for n, f in _FUNCS.items()}
# callable copies of torch's originals: what a thread without a mode runs
ORIGINAL = {n: types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                                  f.__closure__) for n, f in _FUNCS.items()}
for _n, _f in ORIGINAL.items():
    _f.__kwdefaults__ = _FUNCS[_n].__kwdefaults__
_ROUTE = "_fastinit_route"          # the global the trampolines call, in torch.nn.init


def _trampoline_code(name, fn):
    """The code object of ``def name(<fn's parameters>): return _fastinit_route(...)``."""
    params = list(inspect.signature(fn).parameters.values())
    if any(p.kind not in (p.POSITIONAL_OR_KEYWORD,) for p in params) or fn.__closure__:
        return None          # an unexpected torch version: keep attribute-level routing only
    head = ", ".join(p.name if p.default is p.empty else f"{p.name}=None" for p in params)
    call = ", ".join(p.name for p in params)
    src = f"def {name}({head}):\n    return {_ROUTE}({name!r}, {call})\n"
    ns = {}
    exec(compile(src, f"<fastinit routing of torch.nn.init.{name}>", "exec"), ns)
    return ns[name].__code__


_TRAMPOLINE = {n: _trampoline_code(n, f) for n, f in _FUNCS.items()}

_lock = threading.Lock()
_installed = 0
_local = threading.local()


def _stack():
    s = getattr(_local, "modes", None)
    if s is None:
        s = _local.modes = []
    return s


def _dispatch(name, *args):
    stack = _stack()
    if not stack:
        return ORIGINAL[name](*args)
    return stack[-1].routed(name, args)


def enter(mode):
    """Make ``mode`` (an object with ``routed(name, args)``) the calling thread's
    innermost target, swapping the code of the three functions in on first use."""
    global _installed
    _stack().append(mode)
    with _lock:
        if _installed == 0:
            setattr(_INIT, _ROUTE, _dispatch)
            for n, f in _FUNCS.items():
                if _TRAMPOLINE[n] is not None:
                    f.__code__ = _TRAMPOLINE[n]
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
            for n, f in _FUNCS.items():
                f.__code__ = _ORIGINAL_CODE[n]


def is_routed(name):
    """True when ``torch.nn.init.<name>`` is routed by code swapping on this torch."""
    return _TRAMPOLINE.get(name) is not None
