"""Every argument check of the public API, in one place.

Rules (the same for every function): a value of the wrong kind is a TypeError, a value
of the right kind outside the accepted range is a ValueError, and every message names
the argument and what it accepts.  Nothing below the public edge checks again.
"""
from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np

from ..engine import _engine

# the output formats of the engine (contract.h's FI_FMT_LIST: f32, f64, f16, bf16) by
# NumPy dtype name ("f32" -> "float32", "bf16" -> "bfloat16"), narrowest first
_FORMAT_BY_NAME = {n.replace("f", "float", 1): code for code, n in enumerate(_engine.FMT_NAMES)}
DTYPE_NAMES = tuple(sorted(_FORMAT_BY_NAME, key=lambda n: (_engine.itemsize(_FORMAT_BY_NAME[n]),
                                                          n.startswith("b"), n)))
MAX_ELEMENTS = 1 << 62   # keeps every Philox block index inside the 64-bit counter
MAX_THREADS = _engine.MAX_THREADS   # libgomp allocates per-thread state: more is a typo

try:  # bfloat16 arrays in NumPy come from ml_dtypes (optional)
    import ml_dtypes as _ml_dtypes
    BFLOAT16: np.dtype | None = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - exercised only without ml_dtypes
    BFLOAT16 = None

# the output format (contract.h, via the engine) of each accepted dtype: the one map
FORMAT_OF = {(BFLOAT16 if n == "bfloat16" else np.dtype(n)): code
             for n, code in _FORMAT_BY_NAME.items() if n != "bfloat16" or BFLOAT16 is not None}
_FLOAT_DTYPES = {dt: dt for dt in FORMAT_OF}


# ---- numbers -------------------------------------------------------------------------
def real(value: Any, name: str) -> float:
    """A real number as a float; NaN and values beyond float range are ValueErrors.
    0-d arrays and tensors (``torch.tensor(0.5)``, ``jnp.float32(2)``) are accepted."""
    if type(value) is float:          # the common case, first and cheap
        if value != value:
            raise ValueError(f"{name} must not be NaN")
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not isinstance(value, numbers.Real):
        # 0-d arrays and tensors (torch.tensor(0.5), jnp.float32(2)) count as numbers
        dt = str(getattr(value, "dtype", ""))
        if getattr(value, "shape", None) != () or "complex" in dt or "bool" in dt:
            raise TypeError(f"{name} must be a real number, got {value!r}")
        try:
            value = float(value)
        except Exception:
            raise TypeError(f"{name} must be a real number, got {value!r}") from None
    try:
        out = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be a finite real number within float64 range, "
                         f"got an integer with {len(str(abs(int(value))))} digits") from None
    if out != out:
        raise ValueError(f"{name} must not be NaN")
    return out


def finite(value: Any, name: str) -> float:
    value = real(value, name)
    if value - value != 0.0:          # inf (NaN is already refused)
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# ---- shapes and shards -----------------------------------------------------------------
def shape(value: Any, name: str = "shape") -> tuple[int, ...]:
    """A shape tuple (an int is a 1-D shape), at most 2**62 elements."""
    if type(value) is tuple and all(type(d) is int and d >= 0 for d in value):
        dims = value
    else:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = (value,)
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}")
        try:
            dims = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a sequence of ints, "
                            f"got {value!r}") from None
        for d in dims:
            if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
                raise ValueError(f"{name} entries must be non-negative integers, got {value!r}")
        dims = tuple(int(d) for d in dims)
    if math.prod(dims) >= MAX_ELEMENTS:
        raise ValueError(f"{name} {dims} has 2**62 or more elements")
    return dims


def shard(local: tuple[int, ...], global_shape: Any, start: Any
          ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(global_shape, start) of a block of shape ``local``; defaults: the whole tensor."""
    if global_shape is None and start is None:
        return local, (0,) * len(local)
    gshape = local if global_shape is None else shape(global_shape, "global_shape")
    if len(gshape) != len(local):
        raise ValueError(f"global_shape {gshape} must have the same number of dimensions "
                         f"as the array {local}")
    st = (0,) * len(local) if start is None else shape(start, "start")
    if len(st) != len(local):
        raise ValueError(f"start {st} must have one entry per dimension of the array {local}")
    for s, n, g in zip(st, local, gshape):
        if s + n > g:
            raise ValueError(f"an array of shape {local} at start {st} does not fit inside "
                             f"global_shape {gshape}")
    return gshape, st


_default_threads: int | None = None


def default_threads() -> int:
    """The cores this process may run on (cached: affinity rarely changes)."""
    global _default_threads
    if _default_threads is None:
        try:
            _default_threads = max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):
            _default_threads = max(1, os.cpu_count() or 1)
    return _default_threads


def threads(value: Any) -> int:
    if value is None:
        return default_threads()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"threads must be a positive integer or None, got {value!r}")
    if value > MAX_THREADS:
        raise ValueError(f"threads must be at most {MAX_THREADS} (None = the cores this "
                         f"process may use, {default_threads()}), got {value}")
    return int(value)


# ---- dtypes ----------------------------------------------------------------------------
def _dtype_error(name: str, got: Any) -> TypeError:
    return TypeError(f"{name} must be one of {', '.join(DTYPE_NAMES)}; got {got}")


_dtype_cache: dict[Any, np.dtype] = {}


def dtype(value: Any, name: str = "dtype") -> np.dtype:
    """A native-byte-order NumPy dtype among float16/bfloat16/float32/float64 from a dtype
    of any framework (string, NumPy/JAX/CuPy, torch, array-api-strict).  None = float32."""
    try:
        return _dtype_cache[value]
    except (KeyError, TypeError):
        pass
    dt = _resolve_dtype(value, name)
    try:
        _dtype_cache[value] = dt
    except TypeError:
        pass
    return dt


def _resolve_dtype(value: Any, name: str) -> np.dtype:
    if value is None:
        return np.dtype(np.float32)
    if (isinstance(value, str) and value == "bfloat16") or \
            getattr(value, "__name__", None) == "bfloat16":
        if BFLOAT16 is None:
            raise TypeError(f"{name}=bfloat16 needs the ml_dtypes package (pip install ml_dtypes)")
        return BFLOAT16
    try:
        dt = np.dtype(value)
    except TypeError:
        tail = str(value).rsplit(".", 1)[-1]          # torch.float32, array-api-strict
        if tail in DTYPE_NAMES and tail != str(value):
            return _resolve_dtype(tail, name)
        raise _dtype_error(name, repr(value)) from None
    if dt in _FLOAT_DTYPES:
        return _FLOAT_DTYPES[dt]
    if dt.kind == "f" and dt.byteorder not in ("=", "|") and \
            dt.newbyteorder("=") in _FLOAT_DTYPES:
        raise TypeError(f"{name} {dt.str} is byte-swapped (non-native byte order); the kernels "
                        f"write native floats: use {dt.newbyteorder('=').name} and convert "
                        "with .astype() if you need another byte order")
    raise _dtype_error(name, dt.name)


# ---- buffers ---------------------------------------------------------------------------
class OverlapError(ValueError, RuntimeError):
    """An output whose elements share memory: a ValueError, and a RuntimeError as torch
    raises for the same thing."""


def _overlap_error(name: str) -> OverlapError:
    return OverlapError(f"{name} has elements that share memory (a broadcast, expand or "
                        "as_strided view): more than one element of the written-to array "
                        "refers to a single memory location; fill a contiguous array "
                        "(clone()/copy()) instead")


def numpy_out(out: np.ndarray, name: str = "array") -> None:
    """A NumPy buffer the engine may write: writable, no element stored twice."""
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; pass a writable array")
    if not out.flags.c_contiguous and out.size > 1 and _self_overlapping(out.shape, out.strides):
        raise _overlap_error(name)


def torch_out(t: Any, name: str = "tensor") -> None:
    """The same check for a torch tensor (strides in elements)."""
    if not t.is_contiguous() and t.numel() > 1 and _self_overlapping(tuple(t.shape), t.stride()):
        raise _overlap_error(name)


def _self_overlapping(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether two different indices of a view address the same element.  Quick exact
    answers first (a zero stride: yes; strides that each step past the extent of the
    smaller ones: no), else count distinct offsets."""
    dims = sorted((abs(s), n) for n, s in zip(shape, strides) if n > 1)
    extent = 0
    for stride, n in dims:
        if stride == 0:
            return True
        if stride <= extent:
            break
        extent += stride * (n - 1)
    else:
        return False
    offsets = np.zeros(1, np.int64)
    for stride, n in dims:
        offsets = np.add.outer(offsets, np.arange(n, dtype=np.int64) * stride).ravel()
    return len(np.unique(offsets)) != offsets.size
