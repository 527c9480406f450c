"""The two call forms of every initializer, down to a backend: return-new (``_new``,
``_new_host``) and in place (``_fill``, ``_assign_host``).  Arguments arrive parsed (a
shape tuple from ``_checks.shape``); the request below validates the rest once."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .. import backends as _backends
from ..core import checks as _checks, host as _host
from ..core.request import make_request

Array = Any                              # an array of any supported framework
Shape = Union[int, Sequence[int]]
Seed = Optional[int]
Axes = Union[int, Sequence[int]]


def target(xp: Any, device: Any, like: Any, chunks: Any) -> tuple:
    backend, dev = _backends.for_target(xp, device, like)
    if chunks is not None and not isinstance(backend, _backends.DaskBackend):
        raise TypeError("chunks= is for Dask arrays only (xp=dask.array or fastinit.dask)")
    return backend, dev


def new(dist: int, args: tuple, shape: tuple, *, seed: Seed, stream: int, dtype: Any,
        xp: Any, device: Any, like: Any, threads: Optional[int], global_shape: Any,
        start: Any, chunks: Any) -> Array:
    """A new random array of the parsed ``shape``."""
    backend, dev = target(xp, device, like, chunks)
    req = make_request(dist, args, _checks.dtype(dtype), shape, seed=seed, stream=stream,
                       global_shape=global_shape, start=start, threads=threads)
    return backend.new_random(req, dev, chunks)


def fill(array: Array, dist: int, args: tuple, *, seed: Seed, stream: int,
         threads: Optional[int], global_shape: Any, start: Any) -> Array:
    """Fill ``array`` in place with a random draw."""
    backend = _backends.for_array(array)
    req = make_request(dist, args, backend.dtype(array), backend.shape(array), seed=seed,
                       stream=stream, global_shape=global_shape, start=start, threads=threads)
    return backend.fill(array, req)


def new_host(shape: Shape, dtype: Any, xp: Any, device: Any, like: Any, chunks: Any,
             host_fn: Any) -> Array:
    """A new array computed on the host by ``host_fn(shape, np_dtype)``, then moved."""
    backend, dev = target(xp, device, like, chunks)
    shape = _checks.shape(shape)
    dt = _checks.dtype(dtype)
    return backend.from_host(np.asarray(host_fn(shape, dt), dt), dev, chunks)


def assign_host(array: Array, host_fn: Any) -> Array:
    """Write ``host_fn(shape, np_dtype)`` (computed on the host) into ``array``."""
    backend = _backends.for_array(array)
    shape, dt = backend.shape(array), backend.dtype(array)
    return backend.assign(array, host_fn(shape, dt))


def value(v: Any, dt: np.dtype, name: str = "value") -> float:
    """A real number every element of dtype ``dt`` can hold (a constant, a gain): finite
    values beyond its range are refused, not turned into inf (core/host.py's
    ``check_fits``, the one range rule of every initializer)."""
    x = _checks.real(v, name)
    _host.check_fits(_checks.FORMAT_OF[dt], name, x, given=v)
    return x


def array_shape(array: Array, global_shape: Any) -> tuple:
    """The shape the fans come from: ``global_shape`` if given, else the array's."""
    shape = _backends.for_array(array).shape(array)
    return shape if global_shape is None else _checks.shape(global_shape, "global_shape")
