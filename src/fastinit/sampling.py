"""The three samplers of the stream contract, for NumPy buffers.

Element ``e`` (flat C-order index in the logical tensor) is a pure function of
``(seed, stream, e)``: the same bits on any thread count, on CPU or GPU, whole or in
shards (``global_shape=``/``start=``).  See docs/contract.rst for the exact formulas.
"""
import math
import numbers

import numpy as np

from . import _host, _layout, _seeding
from ._core import _engine

__all__ = ["random_raw", "uniform", "normal", "truncated_normal",
           "uniform_", "normal_", "truncated_normal_"]


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def _finite(value, name):
    value = _real(value, name)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_out(out):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a NumPy array, got {type(out).__name__} "
                        "(use fastinit's catalog functions for other frameworks)")
    if not out.flags.writeable:
        raise ValueError("out is read-only; pass a writable array")
    _host.resolve_dtype(out.dtype, "out.dtype")
    return out


# ---- validated kernel parameters (shared by the CPU, GPU and framework paths) -------------
def uniform_params(fmt, low, high):
    """Kernel parameters for U[low, high) into format `fmt` (see _host), validated."""
    low, high = _finite(low, "low"), _finite(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    return _host.uniform_params(fmt, low, high)


def normal_params(fmt, mean, std):
    mean, std = _finite(mean, "mean"), _finite(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    return _host.normal_params(fmt, mean, std)


def truncated_params(fmt, mean, std, low, high):
    mean, std = _finite(mean, "mean"), _finite(std, "std")
    if not std > 0:
        raise ValueError(f"std must be > 0 for a truncated normal, got {std}")
    low, high = _real(low, "low"), _real(high, "high")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    return _host.truncated_params(fmt, mean, std, low, high)


def fill(out, dist, params, *, seed, stream, threads, global_shape, start):
    """Fill a NumPy buffer: validate the layout, resolve the seed, run the engine.
    `params` is the kernel parameter tuple for out's format (see _host)."""
    gshape, gstart = _layout.check_shard(out.shape, global_shape, start)
    threads = _layout.check_threads(threads)
    seed, stream = _seeding.resolve(seed, stream)
    if out.size == 0:
        return out
    target = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    _engine.fill_shard(target.__array_interface__["data"][0], _host.fmt_of(out.dtype), dist,
                       params, seed, stream, out.shape, gshape, gstart, threads)
    if target is not out:  # strided view: same logical elements, copied into place
        out[...] = target
    return out


# ---- raw words ------------------------------------------------------------------------
def random_raw(n, *, seed, stream=0, start=0):
    """Words ``start .. start + n - 1`` of Philox4x32-10 stream ``stream`` under ``seed``
    (word ``j`` is lane ``j % 4`` of block ``j // 4``), as a uint32 array.

    >>> fastinit.random_raw(4, seed=0).tolist() == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
    True
    """
    n = _layout.check_shape(n, "n")
    if len(n) != 1:
        raise ValueError(f"n must be a single non-negative integer, got {n}")
    seed, stream = _seeding.check_u64(seed, "seed"), _seeding.check_u64(stream, "stream")
    start = _seeding.check_u64(start, "start")
    if start + n[0] > 1 << 64:
        raise ValueError("start + n must be <= 2**64 (random_raw reaches the first 2**64 words)")
    out = np.empty(n[0], np.uint32)
    _engine.random_raw(out, seed, stream, start)
    return out


# ---- in place ---------------------------------------------------------------------------
def uniform_(out, low=0.0, high=1.0, *, seed=None, stream=0, threads=None,
             global_shape=None, start=None):
    """Fill ``out`` with U[low, high) in place and return it.

    float32 and narrower: ``u = (w >> 8) * 2**-24``, ``v = float32(low) + float32(high - low) * u``
    (float32 arithmetic); a ``v`` that reaches ``high`` becomes the largest value below it.
    float64: ``u`` is the 53-bit value of two words, the same in double.
    """
    out = _check_out(out)
    params = uniform_params(_host.fmt_of(out.dtype), low, high)
    return fill(out, _host.UNIFORM, params, seed=seed, stream=stream, threads=threads,
                global_shape=global_shape, start=start)


def normal_(out, mean=0.0, std=1.0, *, seed=None, stream=0, threads=None,
            global_shape=None, start=None):
    """Fill ``out`` with N(mean, std**2) in place (Box-Muller) and return it.

    Elements ``2k, 2k+1`` share words ``2k, 2k+1``: ``r = sqrt(-2 ln u1)``,
    ``theta = 2 pi u2``, even ``mean + std * r cos(theta)``, odd ``... r sin(theta)``.
    """
    out = _check_out(out)
    params = normal_params(_host.fmt_of(out.dtype), mean, std)
    return fill(out, _host.NORMAL, params, seed=seed, stream=stream, threads=threads,
                global_shape=global_shape, start=start)


def truncated_normal_(out, mean=0.0, std=1.0, low=-2.0, high=2.0, *, seed=None, stream=0,
                      threads=None, global_shape=None, start=None):
    """Fill ``out`` with N(mean, std**2) truncated to the absolute bounds [low, high]
    (like ``torch.nn.init.trunc_normal_``'s ``a``/``b``) by the inverse CDF, never
    rejection: ``z = Phi^-1(Phi(alpha) + u (Phi(beta) - Phi(alpha)))``, value
    ``mean + std * z``, always inside [low, high].  Bounds may be infinite.
    """
    out = _check_out(out)
    params = truncated_params(_host.fmt_of(out.dtype), mean, std, low, high)
    return fill(out, _host.TRUNCATED, params, seed=seed, stream=stream, threads=threads,
                global_shape=global_shape, start=start)


# ---- new arrays -------------------------------------------------------------------------
def _new(shape, dtype):
    return np.empty(_layout.check_shape(shape), _host.resolve_dtype(dtype))


def uniform(shape, low=0.0, high=1.0, *, seed=None, stream=0, dtype="float32", threads=None,
            global_shape=None, start=None):
    """A new NumPy array of U[low, high) samples; see :func:`uniform_`.

    >>> x = fastinit.uniform((2, 3), -1.0, 1.0, seed=0)
    >>> x.shape, x.dtype.name, bool(((x >= -1) & (x < 1)).all())
    ((2, 3), 'float32', True)
    """
    return uniform_(_new(shape, dtype), low, high, seed=seed, stream=stream, threads=threads,
                    global_shape=global_shape, start=start)


def normal(shape, mean=0.0, std=1.0, *, seed=None, stream=0, dtype="float32", threads=None,
           global_shape=None, start=None):
    """A new NumPy array of N(mean, std**2) samples; see :func:`normal_`.

    >>> a = fastinit.normal((4, 4), seed=7)
    >>> b = fastinit.normal((2, 4), seed=7, global_shape=(4, 4), start=(2, 0))
    >>> bool((a[2:] == b).all())
    True
    """
    return normal_(_new(shape, dtype), mean, std, seed=seed, stream=stream, threads=threads,
                   global_shape=global_shape, start=start)


def truncated_normal(shape, mean=0.0, std=1.0, low=-2.0, high=2.0, *, seed=None, stream=0,
                     dtype="float32", threads=None, global_shape=None, start=None):
    """A new NumPy array of truncated normal samples; see :func:`truncated_normal_`."""
    return truncated_normal_(_new(shape, dtype), mean, std, low, high, seed=seed, stream=stream,
                             threads=threads, global_shape=global_shape, start=start)
