"""CPU fill plumbing: a :class:`FillRequest` into a NumPy buffer through the C engine
(the twin of ``gpu.py``), and :func:`random_raw`."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import checks as _checks, seeding as _seeding
from ..core.request import FillRequest
from . import _engine


def fill(out: np.ndarray, req: FillRequest) -> np.ndarray:
    """Fill ``out`` (a NumPy array of ``req.dtype`` and ``req.shape``, already checked
    writable and free of self-overlap) and return it.  A strided view is filled through
    a contiguous temporary: the same logical elements, copied into place."""
    if out.size == 0:
        return out
    target = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    address = _engine.address(target)
    if req.whole:
        _engine.fill_flat(address, req.fmt, req.dist, req.params, req.seed, req.stream,
                          0, target.size, req.threads)
    else:
        _engine.fill_shard(address, req.fmt, req.dist, req.params, req.seed, req.stream,
                           req.shape, req.global_shape, req.start, req.threads)
    if target is not out:
        out[...] = target
    return out


def fill_address(address: int, size: int, req: FillRequest) -> None:
    """Fill ``size`` contiguous elements at ``address`` with the whole tensor of ``req``
    (a torch CPU tensor's own memory: no NumPy view to build)."""
    if size:
        _engine.fill_flat(address, req.fmt, req.dist, req.params, req.seed, req.stream,
                          0, size, req.threads)


def random_raw(n: Any, *, seed: Any, stream: Any = 0, start: Any = 0) -> np.ndarray:
    """Words ``start .. start + n - 1`` of Philox4x32-10 stream ``stream`` under ``seed``
    (word ``j`` is lane ``j % 4`` of block ``j // 4``), as a uint32 array.

    >>> [hex(w) for w in fastinit.random_raw(4, seed=0)]
    ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    dims = _checks.shape(n, "n")
    if len(dims) != 1:
        raise ValueError(f"n must be a single non-negative integer, got {n!r}")
    seed, stream = _seeding.check_u64(seed, "seed"), _seeding.check_u64(stream, "stream")
    start = _seeding.check_u64(start, "start")
    if start + dims[0] > 1 << 64:
        raise ValueError("start + n must be <= 2**64 (random_raw reaches the first 2**64 words)")
    out = np.empty(dims[0], np.uint32)
    _engine.random_raw(out, seed, stream, start)
    return out
