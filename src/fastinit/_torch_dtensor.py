"""Where a DTensor's local shard sits in its global tensor.

Every placement torch has (``Shard(d)``, uneven included, ``Replicate``, FSDP2's
``_StridedShard`` on top of tensor parallelism) shards each tensor dimension
independently, so the local tensor is the Cartesian product of one list of global
indices per dimension.  Each list splits into runs of consecutive indices; every
product of runs is a block that is contiguous in the global tensor and a plain slice
of the local one.  Filling each block with ``global_shape=``/``start=`` makes the
gathered ``full_tensor()`` equal the single-process result bit for bit, with no
communication.
"""
import itertools

import torch


def dtensor_type():
    """torch's DTensor class, or None when torch.distributed is unavailable."""
    if not torch.distributed.is_available():
        return None
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:  # pragma: no cover - very old torch
        return None
    return DTensor


def is_dtensor(x):
    cls = dtensor_type()
    return cls is not None and isinstance(x, cls)


def local_tensor(dt):
    """The rank's own shard (a plain tensor sharing the DTensor's memory)."""
    return dt._local_tensor


def _placement_kinds():
    from torch.distributed.tensor.placement_types import Shard
    try:
        from torch.distributed.tensor.placement_types import _StridedShard
    except ImportError:  # pragma: no cover
        return (Shard,)
    return (Shard, _StridedShard)


def _dim_indices(dt):
    """Per tensor dimension, the global indices this rank holds (in local order)."""
    gshape = tuple(int(n) for n in dt.shape)
    mesh, placements = dt.device_mesh, tuple(dt.placements)
    for p in placements:
        if p.is_partial():
            raise ValueError("cannot initialise a DTensor with a Partial placement (its local "
                             "tensors are addends, not shards); redistribute it to "
                             "Shard/Replicate first")
    coord = mesh.get_coordinate()
    if coord is None:          # this rank holds nothing of the mesh
        return None
    shard_kinds = _placement_kinds()
    try:
        # torch's own per-dimension offset lists: the one place that knows every
        # placement's order rules (_StridedShard shards right to left)
        from torch.distributed.tensor._utils import _get_shard_size_and_offsets
    except ImportError:  # pragma: no cover - other torch versions: contiguous shards only
        _get_shard_size_and_offsets = None
    if _get_shard_size_and_offsets is None:
        from torch.distributed.tensor._utils import compute_local_shape_and_global_offset
        shape, offset = compute_local_shape_and_global_offset(gshape, mesh, placements)
        return [list(range(o, o + n)) for n, o in zip(shape, offset)]
    sizes, offsets = list(gshape), {}
    for mesh_dim, p in enumerate(placements):
        if not isinstance(p, shard_kinds):
            continue
        d = p.dim
        size, index = _get_shard_size_and_offsets(sizes[d], mesh.size(mesh_dim), coord[mesh_dim],
                                                  p, offsets.get(d), gshape[d], False)
        sizes[d] = int(size)
        offsets[d] = index
    return [[int(i) for i in offsets[d].tolist()[:sizes[d]]] if d in offsets
            else list(range(gshape[d])) for d in range(len(gshape))]


def _runs(indices):
    """[(local start, global start, length)] of consecutive global indices."""
    runs = []
    for k, g in enumerate(indices):
        if runs and runs[-1][1] + runs[-1][2] == g:
            lo, go, n = runs[-1]
            runs[-1] = (lo, go, n + 1)
        else:
            runs.append((k, g, 1))
    return runs


def blocks(dt):
    """``(global_shape, [(local slices, global start, global slices)])`` covering the
    rank's local tensor; each block is one box of the global tensor."""
    gshape = tuple(int(n) for n in dt.shape)
    per_dim = _dim_indices(dt)
    if per_dim is None:
        return gshape, []
    local = local_tensor(dt)
    if tuple(local.shape) != tuple(len(ix) for ix in per_dim):
        raise RuntimeError(f"DTensor local shard has shape {tuple(local.shape)} but its "
                           f"placements {tuple(dt.placements)} give "
                           f"{tuple(len(ix) for ix in per_dim)}")
    if any(len(ix) == 0 for ix in per_dim):
        return gshape, []
    out = []
    for combo in itertools.product(*(_runs(ix) for ix in per_dim)):
        local_sl = tuple(slice(lo, lo + n) for lo, _, n in combo)
        start = tuple(go for _, go, _ in combo)
        global_sl = tuple(slice(go, go + n) for _, go, n in combo)
        out.append((local_sl, start, global_sl))
    return gshape, out


def fill(dt, fill_block):
    """Call ``fill_block(local_view, global_shape, start)`` for every block of the rank's
    shard; returns ``dt``."""
    local = local_tensor(dt)
    if local.is_meta:
        return dt
    gshape, parts = blocks(dt)
    for local_sl, start, _ in parts:
        fill_block(local[local_sl], gshape, start)
    return dt


def assign(dt, host):
    """Copy this rank's part of ``host`` (a tensor or NumPy array of the global shape,
    computed identically on every rank) into the shard."""
    local = local_tensor(dt)
    if local.is_meta:
        return dt
    if not isinstance(host, torch.Tensor):
        host = torch.from_numpy(host)
    gshape, parts = blocks(dt)
    if tuple(host.shape) != gshape:
        raise ValueError(f"shape mismatch: {tuple(host.shape)} into {gshape}")
    for local_sl, _, global_sl in parts:
        local[local_sl].copy_(host[global_sl])
    return dt
