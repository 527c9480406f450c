"""One random fill, validated once: :class:`FillRequest` and :func:`make_request`.

The public functions build a request at their edge; backends and the engines below
only read it.  A request describes a block of a logical tensor: ``shape`` at ``start``
inside ``global_shape`` (the whole tensor when the two shapes are equal).  Element
``e`` of the logical tensor is a pure function of ``(seed, stream, e)``
(docs/contract.rst), so any block, filled anywhere, equals that slice of the whole.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import checks as _checks, host as _host, seeding as _seeding

UNIFORM, NORMAL, TRUNCATED = _host.UNIFORM, _host.NORMAL, _host.TRUNCATED
_FMT = _checks.FORMAT_OF
_U64 = 1 << 64


class FillRequest(NamedTuple):
    """Everything a backend needs to fill one block; immutable and already valid."""
    dist: int                      # UNIFORM / NORMAL / TRUNCATED
    fmt: int                       # output format (_host.F32, F64, F16, BF16)
    dtype: np.dtype                # the NumPy dtype of that format
    params: tuple                  # kernel parameters, _host's 9-tuple for ``fmt``
    seed: int
    stream: int
    shape: tuple                   # this block
    global_shape: tuple            # the logical tensor
    start: tuple                   # where the block sits in it
    threads: int

    @property
    def whole(self) -> bool:
        """The block is the whole tensor."""
        return self.shape == self.global_shape

    def sub(self, shape: tuple, offset: tuple) -> "FillRequest":
        """The request for the sub-block of ``shape`` at ``offset`` inside this block
        (how sharded backends give each local shard its place in the tensor)."""
        shape = tuple(int(d) for d in shape)
        start = tuple(s + int(o) for s, o in zip(self.start, offset))
        if len(shape) != len(self.shape) or len(start) != len(self.start) or any(
                o < 0 or o + n > m for o, n, m in zip(offset, shape, self.shape)):
            raise ValueError(f"sub-block {shape} at {tuple(offset)} is not inside {self.shape}")
        return self._replace(shape=shape, start=start)


# ---- parameters of each distribution -------------------------------------------------------
# host.<name>_params for each distribution of the engine's list (contract.h's
# FI_DIST_LIST), indexed by its code: nothing here names a distribution.
_PARAMS = tuple(getattr(_host, f"{name}_params") for name in _host.DIST_NAMES)
_recent: dict = {}    # (dist, fmt, *float args) -> params: models repeat a few settings


def kernel_params(dist: int, fmt: int, args: tuple) -> tuple:
    """Validated kernel parameters of ``dist`` with ``args`` for format ``fmt``
    (core/host.py's ``<name>_params``: uniform (low, high), normal (mean, std),
    truncated (mean, std, low, high)).  Only valid parameters of plain floats are
    remembered, so a hit needs no checks."""
    plain = True
    for a in args:
        if type(a) is not float:
            plain = False
            break
    else:
        p = _recent.get((dist, fmt, *args))
        if p is not None:
            return p
    if type(dist) is not int or not 0 <= dist < len(_PARAMS):
        raise ValueError(f"unknown distribution {dist!r}")
    p = tuple(_PARAMS[dist](fmt, *args))
    if plain:
        if len(_recent) > 1024:
            _recent.clear()
        _recent[(dist, fmt, *args)] = p
    return p


def make_request(dist: int, args: tuple, dtype: np.dtype, shape: tuple, *, seed: Any,
                 stream: Any, global_shape: Any = None, start: Any = None,
                 threads: Any = None) -> FillRequest:
    """The one place a fill is validated.  ``dtype`` and ``shape`` are already checked
    (they come from ``_checks`` or from an existing array); the seed is resolved last,
    so a call that fails validation does not consume a stream of the global generator."""
    fmt = _FMT[dtype]
    params = kernel_params(dist, fmt, args)
    gshape, gstart = _checks.shard(shape, global_shape, start)
    nthreads = _checks.threads(threads)
    if not (type(seed) is int and type(stream) is int and 0 <= seed < _U64
            and 0 <= stream < _U64):          # the common case skips the general checks
        seed, stream = _seeding.resolve(seed, stream)
    return FillRequest(dist, fmt, dtype, params, seed, stream, shape, gshape, gstart, nthreads)
