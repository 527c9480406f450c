"""The TorchFunctionMode that routes a model's own init code to fastinit.

Inside :class:`InitMode`, every sampling call on a tensor -- ``Tensor.normal_`` /
``uniform_``, the ``torch.nn.init`` functions (those torch dispatches through
``__torch_function__`` are caught there; ``trunc_normal_``, ``orthogonal_`` and
``sparse_``, which torch implements with private temporaries, are swapped for
fastinit's while the mode is active) -- is filled by :mod:`fastinit.torch` from
``(seed, stream_for_name(parameter name))``.  Views of a parameter (``w[:, :k].normal_()``)
get the matching slice of the whole parameter's fill; ``.data`` aliases count as the
parameter.  Tensors that are not parameters get the streams of
``stream_for_name("fastinit.mode/<k>")`` for the k-th such call.

``frozen`` names are parameters whose writes are ignored (init_module freezes what an
earlier, higher-priority init unit set); ``touched`` collects the parameters written.

A random fill of a whole parameter is deferred until something else uses that
parameter (any torch call taking it or a view of it), :meth:`InitMode.flush` or the
mode's exit: init code that samples a parameter twice (GPT-2 draws ``c_proj`` at 0.02,
then again scaled) pays for the last fill only.

Threads: a mode affects only the thread that entered it.  torch keeps the
``TorchFunctionMode`` stack per thread, and the swapped ``trunc_normal_``/
``orthogonal_``/``sparse_`` route to the calling thread's innermost mode, running
torch's own code in a thread with none (see :mod:`.routing`).
"""
import inspect
import itertools
import weakref

import torch
from torch.overrides import TorchFunctionMode

from ..backends import dtensor as _torch_dtensor
from ..core.seeding import stream_for_name
from . import nn_init as _ft
from . import routing

_RANDOM_NN = ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
              "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")
_DETERMINISTIC_NN = ("constant_", "ones_", "zeros_", "eye_", "dirac_")
_ORIGINAL = {n: getattr(torch.nn.init, n) for n in _RANDOM_NN + _DETERMINISTIC_NN}
_SIGNATURE = {n: inspect.signature(f) for n, f in _ORIGINAL.items()}
_METHODS = {torch.Tensor.normal_: "normal", torch.Tensor.uniform_: "uniform"}
# tensors made from a parameter's metadata: scratch space for its init
_SCRATCH = frozenset({"new_empty", "empty_like", "new_zeros", "zeros_like", "new_ones",
                      "ones_like", "new_full", "full_like", "new_empty_strided"})
# in-place methods that change flags, not values: never blocked
_NOT_WRITES = frozenset({"requires_grad_", "share_memory_", "retain_grad_", "rename_",
                         "pin_memory_"})


def _local(t):
    return _torch_dtensor.local_tensor(t) if _torch_dtensor.is_dtensor(t) else t


def _storage_key(t):
    t = _local(t)
    if t.is_meta:
        return None
    try:
        ptr = t.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):
        return None
    return (t.device, ptr) if ptr else None


def _layout(t):
    t = _local(t)
    return (t.storage_offset(), tuple(t.shape), t.stride())


class InitMode(TorchFunctionMode):
    """Route sampling calls to fastinit while active (a context manager).

    ``module``'s parameters get streams from their qualified names; ``seed=None`` takes
    the seed from torch's default generator (or ``generator``) once, on construction.

    >>> with fastinit.torch.InitMode(model, seed=0):            # doctest: +SKIP
    ...     model.apply(my_init_fn)                              # my_init_fn uses nn.init
    """

    def __init__(self, module=None, seed=None, *, generator=None):
        super().__init__()
        self._ft = _ft
        self.seed = _ft._seed_of(seed, generator)
        self._module = module
        self._canon = {}          # tracked name -> canonical name of its tie group
        self._meta_names = False  # some parameter was still on meta when tracked
        self._by_id, self._by_storage = {}, {}
        self.frozen, self.touched = set(), set()
        self._calls = 0
        self._pending = {}        # name -> (tensor, fill): deferred whole fills
        self._derived = {}        # id(scratch) -> (weakref, parameter name, k)
        self._scratch = {}        # parameter name -> scratch tensors made from it so far
        if module is not None:
            if not isinstance(module, torch.nn.Module):
                raise TypeError(f"module must be a torch.nn.Module or None, got "
                                f"{type(module).__name__}")
            self.track(module.named_parameters())
            self.retie()

    # ---- names: tied parameters, parameters re-created after the mode started -----------
    def retie(self):
        """Recompute the tie groups of the module: a parameter registered under several
        names draws from the stream of the first name in module order, in every layout
        (a stack that re-ties inside its init, after sharding untied the weights, included)."""
        if self._module is None:
            return
        first = {}
        for name, p in self._module.named_parameters(remove_duplicate=False):
            first.setdefault(id(p), name)
        self._canon = {name: first[id(p)] for name, p in self._by_id.values() if id(p) in first}

    def canonical(self, name):
        return self._canon.get(name, name)

    def _retrack(self):
        """The module's parameters were re-created (``to_empty`` on meta parameters inside
        the model's own init): name the new tensors."""
        self._by_id, self._by_storage = {}, {}
        self._meta_names = False
        self.track(self._module.named_parameters())
        self.retie()

    # ---- which parameter is this? ----------------------------------------------------
    def track(self, named_tensors):
        """Name more tensors: ``[(name, tensor), ...]``."""
        for name, p in named_tensors:
            self._by_id[id(p)] = (name, p)
            self._meta_names |= _local(p).is_meta
            key = _storage_key(p)
            if key is not None:
                self._by_storage.setdefault(key, []).append((name, p))

    def lookup(self, t):
        """``(name, parameter, is_whole)`` for a tensor that is a parameter, an alias of
        one (``.data``) or a view into one; None otherwise."""
        hit = self._by_id.get(id(t))
        if hit is not None and hit[1] is t:
            return hit[0], hit[1], True
        key = _storage_key(t)
        if key is None:
            return None
        if self._meta_names and key not in self._by_storage and self._module is not None:
            self._retrack()
        for name, p in self._by_storage.get(key, ()):
            if _layout(p) == _layout(t):
                return name, p, True
            pl, tl = _local(p), _local(t)
            if _torch_dtensor.is_dtensor(p) or _torch_dtensor.is_dtensor(t):
                continue
            lo = pl.storage_offset()
            hi = lo + sum((n - 1) * s for n, s in zip(pl.shape, pl.stride())) + 1
            if lo <= tl.storage_offset() < hi:
                return name, p, False
        return None

    def _stream(self, hit, t=None):
        if hit is not None:
            return stream_for_name(self.canonical(hit[0]))
        derived = self._derived.get(id(t)) if t is not None else None
        if derived is not None and derived[0]() is t:
            # a scratch tensor made from a parameter (t.new_empty(...)) and drawn before it
            # is copied in (torchtitan's fused wqkv): named after that parameter, so the
            # draw depends neither on the layout nor on the other layers
            return stream_for_name(f"{self.canonical(derived[1])}/scratch{derived[2]}")
        k, self._calls = self._calls, self._calls + 1
        return stream_for_name(f"fastinit.mode/{k}")

    # ---- filling ---------------------------------------------------------------------
    def flush(self, name=None):
        """Run the deferred fills (of parameter ``name``, or all)."""
        names = list(self._pending) if name is None else [name]
        for n in names:
            entry = self._pending.pop(n, None)
            if entry is not None:
                t, fill = entry
                with torch.no_grad():
                    fill(t, stream_for_name(self.canonical(n)))

    def _flush_args(self, args, kwargs):
        """Before a torch call: run the deferred fills of the parameters it touches."""
        for a in itertools.chain(args, kwargs.values()):
            items = a if isinstance(a, (list, tuple)) else (a,)
            for x in items:
                if isinstance(x, torch.Tensor):
                    hit = self.lookup(x)
                    if hit is not None and hit[0] in self._pending:
                        self.flush(hit[0])
                        if not self._pending:
                            return

    def _random(self, t, fill):
        """Run ``fill(target, stream)`` for ``t``; a view of a parameter gets its slice of
        the whole parameter's fill."""
        if _local(t).is_meta:
            return t
        hit = self.lookup(t)
        if hit is not None:
            if hit[0] in self.frozen:
                return t
            self.touched.add(hit[0])
        if hit is not None and hit[2]:
            self._pending[hit[0]] = (t, fill)     # the last whole fill wins; stream at flush
            return t
        stream = self._stream(hit, t)
        if hit is not None:
            self.flush(hit[0])
        with torch.no_grad():
            if hit is None:
                fill(t, stream)
                return t
            p = hit[1]
            whole = torch.empty_strided(p.shape, p.stride(), dtype=p.dtype, device=p.device)
            fill(whole, stream)
            t.copy_(whole.as_strided(t.shape, t.stride(), t.storage_offset() - p.storage_offset()))
        return t

    def _nn(self, name, args, kwargs):
        """A torch.nn.init function (by name) called in the mode."""
        bound = _SIGNATURE[name].bind(*args, **kwargs)
        tensor = bound.arguments["tensor"]
        if name in _DETERMINISTIC_NN:
            if self._blocked(tensor):
                return tensor
            if self._pending:
                self._flush_args((tensor,), {})
            return getattr(self._ft, name)(*bound.args, **bound.kwargs)
        bound.arguments.pop("generator", None)
        fn = getattr(self._ft, name)
        rest = dict(bound.arguments)
        rest.pop("tensor")
        if name in ("orthogonal_", "sparse_"):      # shape-dependent: fill the view itself
            hit = self.lookup(tensor)
            if hit is not None and hit[0] in self.frozen:
                return tensor
            if hit is not None:
                self.touched.add(hit[0])
                self.flush(hit[0])
            if _local(tensor).is_meta:
                return tensor
            with torch.no_grad():
                return fn(tensor, **rest, seed=self.seed, stream=self._stream(hit, tensor))
        return self._random(tensor, lambda x, s: fn(x, **rest, seed=self.seed, stream=s))

    def _blocked(self, t):
        """Record a write to ``t``; True when it must be skipped (a frozen parameter)."""
        if not isinstance(t, torch.Tensor) or not (self._by_id or self._by_storage):
            return False
        hit = self.lookup(t)
        if hit is None:
            return False
        if hit[0] in self.frozen:
            return True
        self.touched.add(hit[0])
        return False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        dist = _METHODS.get(func)
        if dist is not None:
            return self._method(dist, args, kwargs)
        name = getattr(func, "__name__", "")
        if name in _SIGNATURE and inspect.isfunction(func):
            return self._nn(name, args, kwargs)
        if self._pending:
            self._flush_args(args, kwargs)
        if name == "__setitem__" or (name.endswith("_") and not name.startswith("_")
                                     and name not in _NOT_WRITES):
            if args and self._blocked(args[0]):
                return None if name == "__setitem__" else args[0]
        elif "out" in kwargs and self._blocked(kwargs["out"]):
            return kwargs["out"]
        out = func(*args, **kwargs)
        if name in _SCRATCH and args and isinstance(out, torch.Tensor):
            self._note_scratch(args[0], out)
        return out

    def _note_scratch(self, src, out):
        hit = self.lookup(src) if isinstance(src, torch.Tensor) else None
        if hit is None:
            return
        k = self._scratch.get(hit[0], 0)
        self._scratch[hit[0]] = k + 1
        try:
            self._derived[id(out)] = (weakref.ref(out), hit[0], k)
        except TypeError:       # pragma: no cover - tensors take weak references
            pass

    def _method(self, dist, args, kwargs):
        t, rest = args[0], list(args[1:])
        keys = ("mean", "std") if dist == "normal" else ("from", "to")
        defaults = (0.0, 1.0)
        vals = [rest[i] if i < len(rest) else kwargs.get(k, d)
                for i, (k, d) in enumerate(zip(keys, defaults))]
        fn = self._ft.normal_ if dist == "normal" else self._ft.uniform_
        return self._random(t, lambda x, s: fn(x, vals[0], vals[1], seed=self.seed, stream=s))

    # ---- the torch functions torch implements with temporaries --------------------------
    def routed(self, name, args, kwargs=None):
        """A call of ``torch.nn.init.<name>`` (trunc_normal_, orthogonal_, sparse_) reached
        through :mod:`.routing`, however the caller got hold of the function."""
        return self._nn(name, args, kwargs or {})

    def __enter__(self):
        routing.enter(self)     # only this thread's calls are routed (see routing)
        try:
            return super().__enter__()
        except BaseException:
            routing.exit(self)
            raise

    def __exit__(self, *exc):
        try:
            self.retie()
            self.flush()
            return super().__exit__(*exc)
        finally:
            routing.exit(self)
