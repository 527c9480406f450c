"""Deterministic and structured initializers of the catalog: constants, orthogonal,
identity, dirac and sparse (computed on the host, then moved to the target)."""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import backends as _backends
from ..core import checks as _checks, host as _host, seeding as _seeding
from . import edge as _edge
from .edge import Array, Seed, Shape
from .random import normal, uniform


# ---- constants --------------------------------------------------------------------------
def zeros(shape: Shape, *, dtype: Any = None, xp: Any = None, device: Any = None,
          like: Any = None, chunks: Any = None) -> Array:
    """All zeros.

    >>> fastinit.zeros((2, 2)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    return constant(shape, 0.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def zeros_(array: Array) -> Array:
    """Set ``array`` to 0 in place and return it."""
    return constant_(array, 0.0)


def ones(shape: Shape, *, dtype: Any = None, xp: Any = None, device: Any = None,
         like: Any = None, chunks: Any = None) -> Array:
    """All ones.

    >>> fastinit.ones(3).tolist()
    [1.0, 1.0, 1.0]
    """
    return constant(shape, 1.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def ones_(array: Array) -> Array:
    """Set ``array`` to 1 in place and return it."""
    return constant_(array, 1.0)


def constant(shape: Shape, value: float = 0.0, *, dtype: Any = None, xp: Any = None,
             device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """Every element ``value``.

    >>> fastinit.constant((1, 2), 0.5).tolist()
    [[0.5, 0.5]]
    """
    dt = _checks.dtype(dtype)
    value = _edge.value(value, dt)
    backend, dev = _edge.target(xp, device, like, chunks)
    return backend.new_full(_checks.shape(shape), value, dt, dev, chunks)


def constant_(array: Array, value: float = 0.0) -> Array:
    """Set every element of ``array`` to ``value`` in place and return it."""
    backend = _backends.for_array(array)
    return backend.fill_value(array, _edge.value(value, backend.dtype(array)))



# ---- orthogonal ---------------------------------------------------------------------------
def _gain(gain: Any) -> float:
    return _checks.finite(gain, "gain")


def orthogonal_matrix(rows: int, cols: int, *, seed: int, stream: int, gain: float = 1.0,
                      dtype: Any = "float64", qr: Any = None) -> np.ndarray:
    """A ``(rows, cols)`` matrix with orthonormal rows (rows <= cols) or columns, times
    ``gain``: QR of ``A``, the transpose of the fastinit ``N(0, 1)`` matrix of shape
    ``(min, max)`` in ``(seed, stream)`` and ``dtype`` (float32 for 16-bit outputs), signs
    fixed by ``diag(R)``, transposed when ``rows < cols`` (the torch and Keras algorithm).
    ``A`` is drawn transposed so it is already in LAPACK's column-major layout.

    The normal matrix is the same bits everywhere; the QR is the array framework's own
    LAPACK (``qr``, NumPy's by default), so results are reproducible for a given
    framework build and thread count, and equal elsewhere to rounding (docs/initializers.rst)."""
    work = np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), work)
    n, m = max(rows, cols), min(rows, cols)
    q = orthonormal(normal((m, n), seed=seed, stream=stream, dtype=work).T, rows, cols, qr)
    return q * work.type(gain) if gain != 1.0 else q


def orthonormal(a: np.ndarray, rows: int, cols: int, qr: Any = None) -> np.ndarray:
    """The orthonormal factor of ``a`` (``(max, min)`` of rows and cols, real or complex):
    QR, the phases fixed by ``diag(R)`` (its signs for real ``a``, 1 where it is 0),
    transposed when ``rows < cols``.  Shared by :func:`orthogonal_matrix` and
    ``fastinit.jax``'s complex orthogonal."""
    q, r = (np.linalg.qr if qr is None else qr)(a)
    d = np.diagonal(r)
    if np.iscomplexobj(d):
        q = q * np.where(d == 0, 1.0, d / np.abs(np.where(d == 0, 1.0, d)))
    else:
        d = np.sign(d).astype(q.dtype)
        d[d == 0] = 1
        q *= d
    return q.T if rows < cols else q


def orthogonal_layout(shape: tuple, column_axis: int, matrix: Any) -> np.ndarray:
    """``matrix(rows, cols)`` laid out as ``shape``: the axes other than ``column_axis``
    flattened into the rows (Keras/JAX; ``column_axis=0`` is torch's layout)."""
    nd = len(shape)
    col = int(column_axis) % nd
    cols = shape[col]
    rows = math.prod(shape) // cols if cols else math.prod(shape[:col] + shape[col + 1:])
    q = matrix(rows, cols).reshape(shape[:col] + shape[col + 1:] + (cols,))
    return np.moveaxis(q, -1, col)


def _orthogonal_host(shape: tuple, dt: np.dtype, gain: float, column_axis: Any, seed: int,
                     stream: int, qr: Any = None) -> np.ndarray:
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape with at least 2 dimensions, got {shape}")
    nd = len(shape)
    if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral) \
            or not -nd <= column_axis < nd:
        raise ValueError(f"column_axis={column_axis!r} is not an axis of shape {shape}")
    _host.check_fits(_checks.FORMAT_OF[dt], "gain", gain)
    return orthogonal_layout(shape, column_axis, lambda rows, cols: orthogonal_matrix(
        rows, cols, seed=seed, stream=stream, gain=gain, dtype=dt, qr=qr))


def orthogonal(shape: Shape, gain: float = 1.0, column_axis: int = -1, *, seed: Seed = None,
               stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
               like: Any = None, chunks: Any = None) -> Array:
    """A (semi-)orthogonal matrix times ``gain``: the axes other than ``column_axis`` are
    flattened into rows (Keras/JAX, ``column_axis=-1``); ``column_axis=0`` gives the torch
    layout.  Rows (or columns, whichever are fewer) are orthonormal.  The QR runs in the
    output's precision (float64 for float64, else float32) with the target framework's
    LAPACK where it has one (torch), else NumPy's; then the result is moved to
    ``xp``/``device``; Dask gets the host result.

    >>> w = fastinit.orthogonal((3, 5), seed=0, dtype="float64")
    >>> bool(abs(w @ w.T - np.eye(3)).max() < 1e-12)
    True
    """
    gain = _gain(gain)
    backend, dev = _edge.target(xp, device, like, chunks)
    shape, dt = _checks.shape(shape), _checks.dtype(dtype)
    seed, stream = _seeding.resolve(seed, stream)
    host = _orthogonal_host(shape, dt, gain, column_axis, seed, stream, _qr_of(backend))
    return backend.from_host(np.asarray(host, dt), dev, chunks)


def orthogonal_(array: Array, gain: float = 1.0, *, column_axis: int = -1, seed: Seed = None,
                stream: int = 0) -> Array:
    """In-place :func:`orthogonal`."""
    gain = _gain(gain)
    backend = _backends.for_array(array)
    shape, dt = backend.shape(array), backend.dtype(array)
    seed, stream = _seeding.resolve(seed, stream)
    host = _orthogonal_host(shape, dt, gain, column_axis, seed, stream, _qr_of(backend))
    return backend.assign(array, host)


def _qr_of(backend: Any) -> Any:
    """torch's LAPACK for torch targets (what torch.nn.init.orthogonal_ uses); NumPy's
    otherwise."""
    if isinstance(backend, _backends.TorchCPUBackend) or getattr(backend, "torch_lapack", False):
        def torch_qr(a: np.ndarray) -> tuple:
            import torch
            q, r = torch.linalg.qr(torch.from_numpy(a))
            return q.numpy(), r.numpy()
        return torch_qr
    return None


# ---- identity, dirac -------------------------------------------------------------------------
def _eye_host(shape: tuple, dt: np.dtype, gain: float) -> np.ndarray:
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-dimensional shape, got {shape}")
    _host.check_fits(_checks.FORMAT_OF[dt], "gain", gain)
    return gain * np.eye(*shape, dtype=dt)


def identity(shape: Shape, gain: float = 1.0, *, dtype: Any = None, xp: Any = None,
             device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """``gain`` times the (rectangular) identity matrix; 2-D shapes only.

    >>> fastinit.identity((2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    gain = _gain(gain)
    return _edge.new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _eye_host(s, dt, gain))


def identity_(array: Array, gain: float = 1.0) -> Array:
    """In-place :func:`identity`."""
    gain = _gain(gain)
    return _edge.assign_host(array, lambda s, dt: _eye_host(s, dt, gain))


eye, eye_ = identity, identity_


def _dirac_host(shape: tuple, dt: np.dtype, groups: Any) -> np.ndarray:
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac needs a 3-, 4- or 5-dimensional shape (out, in, *kernel), "
                         f"got {shape}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    if shape[0] % groups:
        raise ValueError(f"groups={groups} must divide the out channels shape[0]={shape[0]}")
    out = np.zeros(shape, dt)
    per = shape[0] // groups
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(per, shape[1])):
            out[(g * per + d, d) + centre] = 1
    return out


def dirac(shape: Shape, groups: int = 1, *, dtype: Any = None, xp: Any = None,
          device: Any = None, like: Any = None, chunks: Any = None) -> Array:
    """Dirac delta for convolutions in the torch layout ``(out, in, *kernel)``:
    ``w[g*out/groups + d, d, centre] = 1`` for ``d < min(out/groups, in)``, else 0
    (``torch.nn.init.dirac_``): the convolution preserves its inputs.

    >>> w = fastinit.dirac((2, 2, 3))
    >>> w[:, :, 1].tolist(), float(w.sum())
    ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    return _edge.new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _dirac_host(s, dt, groups))


def dirac_(array: Array, groups: int = 1) -> Array:
    """In-place :func:`dirac`."""
    return _edge.assign_host(array, lambda s, dt: _dirac_host(s, dt, groups))


# ---- sparse ----------------------------------------------------------------------------------
def sparse_mask_stream(stream: int) -> int:
    """The stream that decides which rows :func:`sparse` zeroes: blake2b of
    ``"fastinit.sparse/<stream>"`` (see :func:`fastinit.stream_for_name`)."""
    return _seeding.stream_for_name(f"fastinit.sparse/{stream}")


def _sparse_host(shape: tuple, dt: np.dtype, sparsity: float, std: float, seed: int,
                 stream: int) -> np.ndarray:
    if len(shape) != 2:
        raise ValueError(f"sparse needs a 2-dimensional shape, got {shape}")
    rows, cols = shape
    out = normal(shape, 0.0, std, seed=seed, stream=stream, dtype=dt)
    zeros_per_col = math.ceil(sparsity * rows)
    if zeros_per_col and out.size:
        keys = uniform(shape, seed=seed, stream=sparse_mask_stream(stream), dtype="float64")
        order = np.argsort(keys, axis=0, kind="stable")[:zeros_per_col]
        out[order, np.arange(cols)] = 0
    return out


def _sparse_args(sparsity: Any, std: Any) -> tuple:
    sparsity = _checks.real(sparsity, "sparsity")
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    std = _checks.finite(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    return sparsity, std


def sparse(shape: Shape, sparsity: float, std: float = 0.01, *, seed: Seed = None,
           stream: int = 0, dtype: Any = None, xp: Any = None, device: Any = None,
           like: Any = None, chunks: Any = None) -> Array:
    """2-D ``(rows, cols)``: ``N(0, std**2)`` (the normal of ``(seed, stream)``) with
    ``ceil(sparsity * rows)`` entries of each column set to 0 (``torch.nn.init.sparse_``;
    ``sparsity=1`` zeroes everything).  The zeroed rows of column ``j`` are those with the
    smallest keys in column ``j`` of a float64 uniform matrix in stream
    :func:`sparse_mask_stream`, so they are reproducible.

    >>> w = fastinit.sparse((10, 4), 0.3, seed=0)
    >>> (w == 0).sum(axis=0).tolist()
    [3, 3, 3, 3]
    """
    sparsity, std = _sparse_args(sparsity, std)
    seed, stream = _seeding.resolve(seed, stream)
    return _edge.new_host(shape, dtype, xp, device, like, chunks,
                     lambda s, dt: _sparse_host(s, dt, sparsity, std, seed, stream))


def sparse_(array: Array, sparsity: float, std: float = 0.01, *, seed: Seed = None,
            stream: int = 0) -> Array:
    """In-place :func:`sparse`."""
    sparsity, std = _sparse_args(sparsity, std)
    seed, stream = _seeding.resolve(seed, stream)
    return _edge.assign_host(array, lambda s, dt: _sparse_host(s, dt, sparsity, std, seed, stream))
