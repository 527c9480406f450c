"""torch's private APIs and version-dependent layouts, in one place.

Read against torch 2.13.0 and 2.14.1 (CI pins 2.14.1 with torchvision 0.29.1, .ci/run;
tests/adapters/test_compat.py passes under both; the declared minimum is 2.1).  Each
function names the private thing it uses, checks the feature itself (the attribute is
there, the signature has the parameter names it was written for) rather than a version
number -- a number cannot say whether a private function kept its signature -- and
says what happens without it.  torch is imported inside the functions: this module is
imported by the backends, which must not load torch for NumPy arrays.
"""
import inspect
import sys


def version():
    """``(major, minor)`` of the installed torch."""
    import torch
    major, minor = torch.__version__.split("+")[0].split(".")[:2]
    return int(major), int(minor)


# ---- memory overlap (torch._debug_has_internal_overlap) --------------------------------------
def has_internal_overlap(t):
    """True when two elements of ``t`` share memory (an ``expand``-ed tensor), the case
    torch's in-place ops refuse ("more than one element of the written-to tensor refers
    to a single memory location").

    Uses ``torch._debug_has_internal_overlap`` (0 no, 1 yes, 2 too hard to tell; torch
    refuses only on 1).  Without it, torch's own rule for 1: a dimension of size > 1 with
    stride 0 (the only case torch reports as certain)."""
    import torch
    probe = getattr(torch, "_debug_has_internal_overlap", None)
    if probe is not None:
        return probe(t) == 1
    return any(n > 1 and s == 0 for n, s in zip(t.shape, t.stride()))


# ---- autograd version counter (torch.autograd.graph.increment_version) -------------------------
def bump_version(t):
    """Bump ``t``'s autograd version counter, as an in-place op under ``no_grad`` does
    (a write made behind autograd's back: a tensor saved for backward is then reported
    as modified instead of silently giving wrong gradients).

    ``torch.autograd.graph.increment_version`` (public in torch 2.13 and 2.14).  Without it, or
    for tensors without a version counter (inference tensors), nothing is bumped."""
    global _increment_version
    if _increment_version is None:      # looked up once: this runs on every small fill
        import torch
        _increment_version = getattr(getattr(torch.autograd, "graph", None),
                                     "increment_version", None) or (lambda t: None)
    try:
        _increment_version(t)
    except Exception:  # inference tensors have no version counter
        pass


_increment_version = None


# ---- autograd version counter, read (Tensor._version) ----------------------------------------
def version_of(t):
    """``t._version``, the counter in-place ops bump (:func:`fastinit.diagnose` tells an
    in-place activation, which returns its input modified, from a pass-through such as
    ``Identity``, which returns it unchanged).  Without it: None, and a module returning
    its input object is read as a pass-through."""
    return getattr(t, "_version", None)


# ---- DTensor -------------------------------------------------------------------------------
def dtensor_module():
    """``torch.distributed.tensor`` when it is loaded (a DTensor can exist), else None."""
    return sys.modules.get("torch.distributed.tensor")


def local_tensor(dt):
    """The rank's own shard of DTensor ``dt``, sharing its memory.

    ``dt._local_tensor`` (the tensor itself, no autograd node, no dispatch through a
    ``TorchFunctionMode``); without that attribute, the public ``dt.to_local()`` under
    ``no_grad`` (a view of the same memory)."""
    local = getattr(dt, "_local_tensor", None)
    if local is not None:
        return local
    import torch
    with torch.no_grad():
        return dt.to_local()


def shard_placements():
    """The placement classes that split a dimension: ``Shard`` and, where torch has it,
    FSDP2's private ``_StridedShard``."""
    from torch.distributed.tensor.placement_types import Shard
    try:
        from torch.distributed.tensor.placement_types import _StridedShard
    except ImportError:
        return (Shard,)
    return (Shard, _StridedShard)


_SHARD_OFFSETS_PARAMS = ("curr_local_size", "mesh_dim_size", "rank", "placement",
                         "previous_offsets", "zero_global_offset", "skip_offset")


def shard_offsets_fn():
    """torch's per-dimension index function, or None where this torch has none with the
    signature fastinit was written against.

    ``torch.distributed.tensor._utils._get_shard_size_and_offsets(curr_local_size,
    mesh_dim_size, rank, placement, previous_offsets, zero_global_offset, skip_offset)``
    -> ``(size, offsets tensor)`` (read in torch 2.13 and 2.14): the one place that knows every
    placement's order rules (``_StridedShard`` shards right to left).  The signature is
    checked by parameter names, so a changed one is never called with the wrong
    arguments."""
    try:
        from torch.distributed.tensor._utils import _get_shard_size_and_offsets as fn
    except ImportError:
        return None
    try:
        names = tuple(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # pragma: no cover - a C function without a signature
        return None
    return fn if names == _SHARD_OFFSETS_PARAMS else None


def local_shape_and_offset(global_shape, mesh, placements):
    """``(local shape, global offset)`` of this rank's shard, for placements whose
    shards are contiguous runs (``Shard``/``Replicate``): the fallback where
    :func:`shard_offsets_fn` is None.  ``_StridedShard`` there raises a clear error
    (its indices are not one run).

    ``torch.distributed.tensor._utils.compute_local_shape_and_global_offset`` (read in
    torch 2.13 and 2.14)."""
    kinds = shard_placements()
    if len(kinds) > 1 and any(isinstance(p, kinds[1]) for p in placements):
        raise NotImplementedError(
            f"this torch ({'.'.join(map(str, version()))}) has no "
            "torch.distributed.tensor._utils._get_shard_size_and_offsets with the "
            "signature fastinit knows, so it cannot place a _StridedShard (FSDP2 over "
            "tensor parallelism) shard; use a torch whose function matches (2.13 and 2.14 do) or "
            "initialise before sharding")
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset
    return compute_local_shape_and_global_offset(global_shape, mesh, placements)


# ---- torch.nn.init routing (used by fastinit.torch.InitMode) ----------------------------------
# modules that bind torch.nn.init functions by name (``from .init import ...``): the list
# transformers patches too.  A module missing from a torch version is skipped.
NN_INIT_BINDERS = ("torch.nn.init", "torch.nn.modules.activation",
                   "torch.nn.modules.transformer", "torch.nn.modules.linear",
                   "torch.nn.modules.conv", "torch.nn.modules.sparse", "torch.nn.modules.rnn",
                   "torch.nn.modules.normalization", "torch.nn.modules.batchnorm")


def nn_init_binders():
    """The loaded modules of :data:`NN_INIT_BINDERS`."""
    return [sys.modules[n] for n in NN_INIT_BINDERS if n in sys.modules]
