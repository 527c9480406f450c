"""Where a DTensor's local shard sits in its global tensor, and the DTensor backend.

Every placement torch has (``Shard(d)``, uneven included, ``Replicate``, FSDP2's
``_StridedShard`` on top of tensor parallelism) shards each tensor dimension
independently, so the local tensor is the Cartesian product of one list of global
indices per dimension.  Each list splits into runs of consecutive indices; every
product of runs is a block that is contiguous in the global tensor and a plain slice
of the local one.  Filling each block with its place in the whole (``global_shape`` /
``start``) makes the gathered ``full_tensor()`` equal the single-process result bit for
bit, with no communication.

torch is imported only once a DTensor exists (``torch.distributed.tensor`` loaded), so
registering the backend costs nothing for other arrays.
"""
import itertools

from ..compat import torch as _compat
from .base import Backend
from .torch import by_device, torch_from_numpy


def is_dtensor(x):
    mod = _compat.dtensor_module()
    return mod is not None and isinstance(x, mod.DTensor)


def local_tensor(dt):
    """The rank's own shard (a plain tensor sharing the DTensor's memory)."""
    return _compat.local_tensor(dt)


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
    shard_kinds = _compat.shard_placements()
    # torch's own per-dimension offset lists: the one place that knows every placement's
    # order rules (_StridedShard shards right to left); without it, contiguous shards only
    _get_shard_size_and_offsets = _compat.shard_offsets_fn()
    if _get_shard_size_and_offsets is None:
        shape, offset = _compat.local_shape_and_offset(gshape, mesh, placements)
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
    """Copy this rank's part of ``host`` (a CPU tensor of the global shape, computed
    identically on every rank) into the shard."""
    local = local_tensor(dt)
    if local.is_meta:
        return dt
    gshape, parts = blocks(dt)
    if tuple(host.shape) != gshape:
        raise ValueError(f"shape mismatch: {tuple(host.shape)} into {gshape}")
    for local_sl, _, global_sl in parts:
        local[local_sl].copy_(host[global_sl])
    return dt


class DTensorBackend(Backend):
    """The catalog's in-place functions on DTensors: each rank fills its own shard."""
    name = "torch-dtensor"
    torch_lapack = True          # orthogonal_: torch's QR, as for a plain torch tensor

    def claims_array(self, x):
        return is_dtensor(x)

    def shape(self, x):
        return tuple(x.shape)                      # the global shape

    def fill(self, x, req):
        local = local_tensor(x)
        if local.is_meta:
            return x
        _, parts = blocks(x)
        for local_sl, start, global_sl in parts:
            view = local[local_sl]
            sub = req.sub(tuple(s.stop - s.start for s in global_sl), start)
            by_device(view).fill(view, sub)
        return x

    def assign(self, x, host):
        import numpy as np
        if tuple(host.shape) != tuple(x.shape):
            raise ValueError(f"shape mismatch: {host.shape} into {tuple(x.shape)}")
        return assign(x, torch_from_numpy(np.asarray(host, self.dtype(x))))

    def fill_value(self, x, value):
        import torch
        with torch.no_grad():
            x.fill_(value)
        return x

    def from_host(self, host, device, chunks=None):
        raise TypeError("fastinit makes no new DTensors; create one (distribute_tensor, "
                        "FSDP2, ...) and fill it in place (fastinit.normal_(dtensor, ...))")
