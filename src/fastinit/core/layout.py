"""The job table of the GPU kernels: a block of a logical tensor as runs.

A buffer that is a shard of a larger logical tensor is a hyper-rectangle of it: a set
of runs, each contiguous in both the buffer and the tensor's flat C order.  Jobs are
those runs, with long runs cut so threads can share them."""
import numpy as np

JOB = 1 << 16          # elements per job; a multiple of the engine's tile


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
