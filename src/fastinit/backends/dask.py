"""Dask arrays: lazily, chunk by chunk, each chunk a block of the whole tensor."""
from __future__ import annotations

from typing import Any

import numpy as np
import array_api_compat as _compat

from ..core.request import FillRequest
from ..engine import cpu as _cpu
from .base import Backend


def _dask_block(req: FillRequest, block_info: Any = None) -> np.ndarray:
    loc = block_info[None]["array-location"]
    sub = req.sub(tuple(b - a for a, b in loc), tuple(a for a, _ in loc))
    return _cpu.fill(np.empty(sub.shape, sub.dtype), sub._replace(threads=1))


class DaskBackend(Backend):
    """Lazy arrays: each chunk is filled as a block of the whole tensor, so
    ``.compute()`` equals the NumPy result bit for bit whatever the chunks."""
    name = "dask"

    def claims_array(self, x):
        return _compat.is_dask_array(x)

    def claims_namespace(self, xp):
        return _compat.is_dask_namespace(xp)

    def from_host(self, host, device, chunks=None):
        import dask.array as da
        return da.from_array(host, chunks="auto" if chunks is None else chunks)

    def new_random(self, req, device, chunks=None):
        import dask.array as da
        from dask.base import tokenize
        chunks = da.core.normalize_chunks("auto" if chunks is None else chunks, req.shape,
                                          dtype=req.dtype)
        name = "fastinit-" + tokenize(tuple(req), chunks)
        return da.map_blocks(_dask_block, req, chunks=chunks, dtype=req.dtype, name=name,
                             meta=np.empty((0,) * len(req.shape), req.dtype))

    def new_full(self, shape, value, dt, device, chunks=None):
        import dask.array as da
        return da.full(shape, value, dtype=dt, chunks="auto" if chunks is None else chunks)

    def _refuse(self, x, *_):
        raise TypeError("fill Dask arrays with the return-new form "
                        "(e.g. fastinit.glorot_uniform(shape, xp=dask.array) or fastinit.dask)")

    fill = assign = fill_value = _refuse
