"""JAX-semantics argument checks: shapes, dtypes, concrete scalars, fans."""
import numbers

import jax
import numpy as np

from ..compat import jax as _jax_compat
from ..core.checks import DTYPE_NAMES
from ..fans import fans_of


_TRUNC_STD = 0.87962566103423978          # std of N(0, 1) cut at +-2
_COMPLEX_TRUNC_STD = 0.95311164380491208  # std of the complex N(0, 1) with |z| cut at 2
_REAL = DTYPE_NAMES            # the engine's formats
_COMPLEX = ("complex64", "complex128")


def _shape(shape):
    try:
        items = tuple(shape)
    except TypeError:
        items = (shape,)
    out = []
    for d in items:
        if isinstance(d, bool) or not isinstance(d, (numbers.Integral, np.integer)):
            try:
                d = int(d) if np.ndim(d) == 0 and np.issubdtype(np.asarray(d).dtype,
                                                                 np.integer) else None
            except Exception:
                d = None
            if d is None:
                raise TypeError("Shapes must be 1D sequences of concrete values of integer "
                                f"type, got {shape}.")
        if d < 0:
            raise TypeError(f"Shapes must be 1D sequences of non-negative integers, got {shape}.")
        out.append(int(d))
    return tuple(out)


def _dtype(dtype, fn, complex_ok=True):
    dt = np.dtype(jax.dtypes.canonicalize_dtype(np.float64 if dtype is None else dtype))
    if dt.name in _REAL or (complex_ok and dt.name in _COMPLEX):
        return dt
    kind = "a float or complex dtype" if complex_ok else "a float dtype"
    raise ValueError(f"dtype argument to `{fn}` must be {kind}, got {dt}")


def _scalar(value):
    """(float, None) for a concrete real scalar; (1.0, value) for anything else (a traced,
    complex or array value), which is then applied as a factor on the device, as JAX does."""
    if _jax_compat.is_tracer(value):
        return 1.0, value
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "biuf":
        return float(arr), None
    return 1.0, value


def _concrete(value, name):
    if _jax_compat.is_tracer(value):
        raise TypeError(f"{name} must be a concrete number here (fastinit computes the "
                        "truncation on the host); got a traced value")
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real scalar, got {value!r}")
    return float(arr)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """``jax.nn.initializers``' fans: :func:`fastinit.fans.fans_of` with JAX's error for
    0-D/1-D shapes under the default ``in_axis``."""
    return fans_of(shape, in_axis, out_axis, batch_axis, small_rank="jax")
