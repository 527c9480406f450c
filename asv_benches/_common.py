"""Shared helpers for the benchmarks: imports, thread counts and the comparison
libraries.  Every case that can not run here (no PyTorch, NumPy has no truncated
normal, NumPy is single-threaded ...) raises NotImplementedError in ``setup``, which
asv records as skipped."""
import importlib
import os
import sys

try:
    import fastinit
except ImportError:  # an in-place build in a checkout (asv run --python=same)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import fastinit

import numpy as np

try:  # imported once here, so asv's forked benchmark processes do not re-import it
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

M1 = 1 << 20
M16 = 1 << 24
SIZES = [M1, M16]
DTYPES = ["float32", "float64"]
DISTS = ["uniform", "normal", "truncated_normal"]
THREADS = ["1", "all"]
LIBRARIES = ["fastinit", "numpy", "torch"]

# distribution parameters shared by every library
LOW, HIGH = -1.0, 1.0
MEAN, STD = 0.0, 0.02
TRUNC_A, TRUNC_B = -2 * STD, 2 * STD


def all_threads():
    from fastinit.core.checks import default_threads  # the engine's own default
    return default_threads()


def n_threads(threads):
    return 1 if threads == "1" else all_threads()


def need_torch():
    if torch is None:
        raise NotImplementedError("PyTorch is not installed")
    return torch


def torch_threads(threads):
    need_torch().set_num_threads(n_threads(threads))


def shape_of(size):
    """A 2-d weight shape of `size` elements (1M -> 1024 x 1024, 16M -> 4096 x 4096)."""
    side = int(round(size ** 0.5))
    if side * side == size:
        return (side, side)
    return (size // 1024, 1024)


def fastinit_filler(dist, out, threads):
    """A no-argument callable filling the NumPy array `out` in place with fastinit."""
    t = n_threads(threads)
    if dist == "uniform":
        return lambda: fastinit.uniform_(out, LOW, HIGH, seed=1, threads=t)
    if dist == "normal":
        return lambda: fastinit.normal_(out, MEAN, STD, seed=1, threads=t)
    return lambda: fastinit.truncated_normal_(out, MEAN, STD, TRUNC_A, TRUNC_B, seed=1, threads=t)


def numpy_filler(dist, out, threads):
    """The same work with numpy.random.Generator (single-threaded; no truncated normal).

    Uniform: ``random(out=out)`` scaled in place; normal: ``standard_normal(out=out)``
    scaled in place -- the cheapest NumPy route to the same values' distribution."""
    if threads != "1":
        raise NotImplementedError("numpy.random is single-threaded")
    if dist == "truncated_normal":
        raise NotImplementedError("NumPy has no truncated normal sampler")
    rng = np.random.default_rng(1)
    if dist == "uniform":
        def fill():
            rng.random(dtype=out.dtype, out=out)
            np.multiply(out, HIGH - LOW, out=out)
            np.add(out, LOW, out=out)
        return fill

    def fill():
        rng.standard_normal(dtype=out.dtype, out=out)
        np.multiply(out, STD, out=out)
        np.add(out, MEAN, out=out)
    return fill


def torch_filler(dist, out, threads):
    """The same work with torch (``uniform_``, ``normal_``, ``nn.init.trunc_normal_``)
    on a CPU tensor sharing `out`'s memory."""
    th = need_torch()
    torch_threads(threads)
    t = th.from_numpy(out)
    if dist == "uniform":
        return lambda: t.uniform_(LOW, HIGH)
    if dist == "normal":
        return lambda: t.normal_(MEAN, STD)
    return lambda: th.nn.init.trunc_normal_(t, MEAN, STD, TRUNC_A, TRUNC_B)


FILLERS = {"fastinit": fastinit_filler, "numpy": numpy_filler, "torch": torch_filler}


def filler(library, dist, out, threads):
    return FILLERS[library](dist, out, threads)


def new_array(library, dist, shape, dtype):
    """Allocate *and* fill a new array (what peakmem_ measures)."""
    if library == "fastinit":
        fn = {"uniform": lambda: fastinit.uniform(shape, LOW, HIGH, seed=1, dtype=dtype),
              "normal": lambda: fastinit.normal(shape, MEAN, STD, seed=1, dtype=dtype),
              "truncated_normal": lambda: fastinit.truncated_normal(
                  shape, MEAN, STD, TRUNC_A, TRUNC_B, seed=1, dtype=dtype)}[dist]
        return fn()
    out = np.empty(shape, dtype) if library == "numpy" else None
    if library == "numpy":
        filler("numpy", dist, out, "1")()
        return out
    th = need_torch()
    t = th.empty(shape, dtype=getattr(th, dtype))
    if dist == "uniform":
        return t.uniform_(LOW, HIGH)
    if dist == "normal":
        return t.normal_(MEAN, STD)
    return th.nn.init.trunc_normal_(t, MEAN, STD, TRUNC_A, TRUNC_B)


def catalog(name):
    """fastinit's catalog function `name` (the catalog is optional while it lands)."""
    fn = getattr(fastinit, name, None)
    if fn is None:
        try:
            fn = getattr(importlib.import_module("fastinit.initializers"), name, None)
        except ImportError:
            fn = None
    if fn is None:
        raise NotImplementedError(f"fastinit.{name} is not available")
    return fn
