"""Shapes, shards and the job list the engine runs.

A buffer that is a shard of a larger logical tensor is a hyper-rectangle of it: a set
of runs, each contiguous in both the buffer and the tensor's flat C order.  Jobs are
those runs, with long runs cut so threads can share them."""
import numbers
import os

import numpy as np

JOB = 1 << 16          # elements per job; a multiple of the engine's tile
MAX_ELEMENTS = 1 << 62  # keeps every block index inside the 64-bit counter


def check_shape(shape, name="shape"):
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {shape!r}") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
            raise ValueError(f"{name} entries must be non-negative integers, got {shape!r}")
    dims = tuple(int(d) for d in dims)
    if int(np.prod(dims, dtype=object)) >= MAX_ELEMENTS:
        raise ValueError(f"{name} {dims} has 2**62 or more elements")
    return dims


def check_shard(shape, global_shape, start):
    """(global_shape, start) for a buffer of `shape`; defaults make it the whole tensor."""
    if global_shape is None and start is None:
        return shape, (0,) * len(shape)
    gshape = shape if global_shape is None else check_shape(global_shape, "global_shape")
    if len(gshape) != len(shape):
        raise ValueError(f"global_shape {gshape} must have the same number of dimensions "
                         f"as out {shape}")
    st = (0,) * len(shape) if start is None else check_shape(start, "start")
    if len(st) != len(shape):
        raise ValueError(f"start {st} must have one entry per dimension of out {shape}")
    for s, n, g in zip(st, shape, gshape):
        if s + n > g:
            raise ValueError(f"out of shape {shape} at start {st} does not fit inside "
                             f"global_shape {gshape}")
    return gshape, st


def jobs_for(shape, global_shape, start):
    """int64 rows (buffer offset, first logical element, count), in buffer order."""
    nd = len(shape)
    size = int(np.prod(shape, dtype=np.int64)) if nd else 1
    if size == 0:
        return np.zeros((0, 3), np.int64)
    gstrides = [1] * nd
    for j in range(nd - 2, -1, -1):
        gstrides[j] = gstrides[j + 1] * global_shape[j + 1]
    # dims k.. are contiguous in the tensor: every dim after k is taken whole
    k = nd - 1
    while k > 0 and shape[k] == global_shape[k]:
        k -= 1
    run = int(np.prod(shape[k:], dtype=np.int64)) if nd else 1
    base = sum(s * g for s, g in zip(start, gstrides))
    firsts = np.array([base], np.int64)
    for j in range(k):
        firsts = (firsts[:, None] + np.arange(shape[j], dtype=np.int64) * gstrides[j]).ravel()
    offsets = np.arange(firsts.size, dtype=np.int64) * run
    if run <= JOB:
        return np.stack([offsets, firsts, np.full_like(firsts, run)], axis=1)
    # cut long runs at multiples of JOB in logical index (keeps tiles aligned)
    rows = []
    for off, first in zip(offsets.tolist(), firsts.tolist()):
        e, end = first, first + run
        while e < end:
            stop = min(end, (e // JOB + 1) * JOB)
            rows.append((off + e - first, e, stop - e))
            e = stop
    return np.array(rows, np.int64)


def default_threads():
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_threads(threads):
    if threads is None:
        return default_threads()
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    return int(threads)
