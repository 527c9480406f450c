"""The initializer catalog.

Every initializer has two call forms:

* return-new: ``glorot_uniform(shape, *, seed=None, stream=0, dtype=None, xp=None,
  device=None, like=None)`` gives an array of namespace ``xp`` (or that of ``like``, or
  NumPy by default) on ``device``; ``dtype`` defaults to float32.  ``xp=dask.array`` gives
  a lazy Dask array (``chunks=``), see :mod:`fastinit.dask`.
* in place: ``glorot_uniform_(array, *, seed=None, stream=0, fans=None, ...)`` fills an
  existing array of any supported framework and returns it.

Random initializers also take ``global_shape=``/``start=`` (a shard of a larger tensor:
it equals the same slice of the whole, and the fans come from ``global_shape``) and
``threads=``.  Element ``e`` depends only on ``(seed, stream, e)``.

Fans use the Keras/JAX layout (last axis out, second to last in) unless ``in_axis``,
``out_axis``, ``batch_axis`` or explicit ``fans=(fan_in, fan_out)`` say otherwise; the
PyTorch layout lives in :mod:`fastinit.torch`.  The ``*_normal`` variance-scaling
initializers use a truncated normal here, as Keras and JAX do (``torch.nn.init``'s
``xavier_normal_``/``kaiming_normal_`` use a plain normal: see :mod:`fastinit.torch`).
"""
import math
import numbers

import numpy as np

from . import _dispatch, _host, _layout, _seeding, sampling
from .fans import compute_fans

__all__ = [
    "zeros", "zeros_", "ones", "ones_", "constant", "constant_",
    "uniform", "uniform_", "normal", "normal_", "truncated_normal", "truncated_normal_",
    "variance_scaling", "variance_scaling_",
    "glorot_uniform", "glorot_uniform_", "glorot_normal", "glorot_normal_",
    "xavier_uniform", "xavier_uniform_", "xavier_normal", "xavier_normal_",
    "he_uniform", "he_uniform_", "he_normal", "he_normal_",
    "kaiming_uniform", "kaiming_uniform_", "kaiming_normal", "kaiming_normal_",
    "lecun_uniform", "lecun_uniform_", "lecun_normal", "lecun_normal_",
    "orthogonal", "orthogonal_", "identity", "identity_", "eye", "eye_",
    "dirac", "dirac_", "sparse", "sparse_",
]

TRUNCATED_STD = 0.87962566103423978   # std of N(0, 1) truncated to [-2, 2]
MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")


# ---- shared plumbing ------------------------------------------------------------------
def _new(shape, dist, args, seed, stream, dtype, xp, device, like, threads=None,
         global_shape=None, start=None, chunks=None):
    target = _dispatch.Target(xp, device, like)
    if global_shape is None and start is None:
        return _dispatch.new_random(shape, dist, args, dtype=dtype, seed=seed, stream=stream,
                                    target=target, threads=threads, chunks=chunks)
    if target.kind == "dask":
        raise ValueError("global_shape=/start= are not supported with xp=dask.array "
                         "(Dask chunks are already shards of the whole tensor)")
    shape = _layout.check_shape(shape)
    dt = _dispatch.np_dtype(dtype)
    host = _dispatch.fill_(np.empty(shape, dt), dist, args, seed=seed, stream=stream,
                           threads=threads, global_shape=global_shape, start=start)
    return _dispatch.from_host(host, target)


def _fill(array, dist, args, seed, stream, threads=None, global_shape=None, start=None):
    return _dispatch.fill_(array, dist, args, seed=seed, stream=stream, threads=threads,
                           global_shape=global_shape, start=start)


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return float(value)


def _fans(shape, fans, in_axis, out_axis, batch_axis):
    if fans is None:
        return compute_fans(shape, in_axis, out_axis, batch_axis)
    try:
        fan_in, fan_out = fans
    except (TypeError, ValueError):
        raise TypeError(f"fans must be a pair (fan_in, fan_out), got {fans!r}") from None
    fan_in, fan_out = _real(fan_in, "fans[0]"), _real(fan_out, "fans[1]")
    if fan_in < 0 or fan_out < 0:
        raise ValueError(f"fans must be non-negative, got {fans!r}")
    return fan_in, fan_out


def _variance_scaling_args(shape, scale, mode, distribution, in_axis, out_axis, batch_axis,
                           fans):
    """(dist, args) of variance scaling for a tensor of (global) ``shape``."""
    scale = _real(scale, "scale")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a positive finite number, got {scale}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}; "
                         f"got {distribution!r}")
    shape = _layout.check_shape(shape)
    fan_in, fan_out = _fans(shape, fans, in_axis, out_axis, batch_axis)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
           "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    if not fan > 0:
        if math.prod(shape) == 0:
            fan = 1.0            # nothing is drawn; keep the parameters finite
        else:
            raise ValueError(f"{mode} of shape {shape} is {fan}; fans must be positive "
                             "(pass fans=(fan_in, fan_out) or other axes)")
    variance = scale / fan
    if distribution == "truncated_normal":
        std = math.sqrt(variance) / TRUNCATED_STD
        return _host.TRUNCATED, (0.0, std, -2.0 * std, 2.0 * std)
    if distribution in ("normal", "untruncated_normal"):
        return _host.NORMAL, (0.0, math.sqrt(variance))
    limit = math.sqrt(3.0 * variance)
    return _host.UNIFORM, (-limit, limit)


def _array_shape(array, global_shape):
    shape = _dispatch.shape_of(array)
    return shape if global_shape is None else _layout.check_shape(global_shape, "global_shape")


# ---- constants --------------------------------------------------------------------------
def zeros(shape, *, dtype=None, xp=None, device=None, like=None, chunks=None):
    """All zeros.

    >>> fastinit.zeros((2, 2)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    return constant(shape, 0.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def zeros_(array):
    """Set ``array`` to 0 in place and return it."""
    return _dispatch.fill_value_(array, 0.0)


def ones(shape, *, dtype=None, xp=None, device=None, like=None, chunks=None):
    """All ones.

    >>> fastinit.ones(3).tolist()
    [1.0, 1.0, 1.0]
    """
    return constant(shape, 1.0, dtype=dtype, xp=xp, device=device, like=like, chunks=chunks)


def ones_(array):
    """Set ``array`` to 1 in place and return it."""
    return _dispatch.fill_value_(array, 1.0)


def constant(shape, value=0.0, *, dtype=None, xp=None, device=None, like=None, chunks=None):
    """Every element ``value``.

    >>> fastinit.constant((1, 2), 0.5).tolist()
    [[0.5, 0.5]]
    """
    value = _real(value, "value")
    return _dispatch.new_full(shape, value, dtype=dtype, target=_dispatch.Target(xp, device, like),
                              chunks=chunks)


def constant_(array, value=0.0):
    """Set every element of ``array`` to ``value`` in place and return it."""
    return _dispatch.fill_value_(array, _real(value, "value"))


# ---- plain distributions ----------------------------------------------------------------
def uniform(shape, low=0.0, high=1.0, *, seed=None, stream=0, dtype=None, xp=None, device=None,
            like=None, threads=None, global_shape=None, start=None, chunks=None):
    """``U[low, high)`` (see :func:`fastinit.sampling.uniform_` for the exact formula).

    >>> x = fastinit.uniform((2, 3), -1.0, 1.0, seed=0)
    >>> x.shape, x.dtype.name, bool(((x >= -1) & (x < 1)).all())
    ((2, 3), 'float32', True)
    """
    return _new(shape, _host.UNIFORM, (low, high), seed, stream, dtype, xp, device, like,
                threads, global_shape, start, chunks)


def uniform_(array, low=0.0, high=1.0, *, seed=None, stream=0, threads=None, global_shape=None,
             start=None):
    """Fill ``array`` with ``U[low, high)`` in place and return it."""
    return _fill(array, _host.UNIFORM, (low, high), seed, stream, threads, global_shape, start)


def normal(shape, mean=0.0, std=1.0, *, seed=None, stream=0, dtype=None, xp=None, device=None,
           like=None, threads=None, global_shape=None, start=None, chunks=None):
    """``N(mean, std**2)`` by Box-Muller.

    >>> a = fastinit.normal((4, 4), seed=7)
    >>> b = fastinit.normal((2, 4), seed=7, global_shape=(4, 4), start=(2, 0))
    >>> bool((a[2:] == b).all())
    True
    """
    return _new(shape, _host.NORMAL, (mean, std), seed, stream, dtype, xp, device, like,
                threads, global_shape, start, chunks)


def normal_(array, mean=0.0, std=1.0, *, seed=None, stream=0, threads=None, global_shape=None,
            start=None):
    """Fill ``array`` with ``N(mean, std**2)`` in place and return it."""
    return _fill(array, _host.NORMAL, (mean, std), seed, stream, threads, global_shape, start)


def truncated_normal(shape, mean=0.0, std=1.0, low=-2.0, high=2.0, *, seed=None, stream=0,
                     dtype=None, xp=None, device=None, like=None, threads=None,
                     global_shape=None, start=None, chunks=None):
    """``N(mean, std**2)`` truncated to the absolute bounds ``[low, high]`` (as
    ``torch.nn.init.trunc_normal_``'s ``a``/``b``), by the inverse CDF.

    >>> x = fastinit.truncated_normal((1000,), 0.0, 1.0, -0.5, 0.5, seed=1)
    >>> bool((abs(x) <= 0.5).all())
    True
    """
    return _new(shape, _host.TRUNCATED, (mean, std, low, high), seed, stream, dtype, xp, device,
                like, threads, global_shape, start, chunks)


def truncated_normal_(array, mean=0.0, std=1.0, low=-2.0, high=2.0, *, seed=None, stream=0,
                      threads=None, global_shape=None, start=None):
    """Fill ``array`` with a truncated normal in place and return it."""
    return _fill(array, _host.TRUNCATED, (mean, std, low, high), seed, stream, threads,
                 global_shape, start)


# ---- variance scaling ---------------------------------------------------------------------
def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal",
                     in_axis=-2, out_axis=-1, batch_axis=(), *, seed=None, stream=0, dtype=None,
                     xp=None, device=None, like=None, fans=None, threads=None,
                     global_shape=None, start=None, chunks=None):
    """Variance scaling: ``variance = scale / fan`` with ``fan`` = fan_in, fan_out,
    (fan_in + fan_out)/2 (``fan_avg``) or sqrt(fan_in fan_out) (``fan_geo_avg``).

    * ``truncated_normal``: ``std = sqrt(variance) / 0.87962566103423978`` truncated to
      ``[-2 std, 2 std]`` (so the final std is ``sqrt(variance)``);
    * ``normal`` (also ``untruncated_normal``): ``N(0, variance)``;
    * ``uniform``: ``U[-limit, limit)``, ``limit = sqrt(3 * variance)``.

    >>> x = fastinit.variance_scaling((256, 512), 2.0, "fan_in", "uniform", seed=0)
    >>> bool(abs(x).max() <= (3 * 2.0 / 256) ** 0.5)
    True
    """
    fan_shape = shape if global_shape is None else global_shape
    dist, args = _variance_scaling_args(fan_shape, scale, mode, distribution, in_axis,
                                        out_axis, batch_axis, fans)
    return _new(shape, dist, args, seed, stream, dtype, xp, device, like, threads,
                global_shape, start, chunks)


def variance_scaling_(array, scale=1.0, mode="fan_in", distribution="truncated_normal",
                      in_axis=-2, out_axis=-1, batch_axis=(), *, seed=None, stream=0,
                      fans=None, threads=None, global_shape=None, start=None):
    """In-place :func:`variance_scaling`; fans from ``fans=``, else ``global_shape``, else
    the array's shape."""
    dist, args = _variance_scaling_args(_array_shape(array, global_shape), scale, mode,
                                        distribution, in_axis, out_axis, batch_axis, fans)
    return _fill(array, dist, args, seed, stream, threads, global_shape, start)


def _vs(scale, mode, distribution):
    """Thin wrappers: (new form, in-place form) of variance scaling with fixed settings."""
    def new(shape, *, seed=None, stream=0, dtype=None, xp=None, device=None, like=None,
            in_axis=-2, out_axis=-1, batch_axis=(), fans=None, threads=None,
            global_shape=None, start=None, chunks=None):
        return variance_scaling(shape, scale, mode, distribution, in_axis, out_axis, batch_axis,
                                seed=seed, stream=stream, dtype=dtype, xp=xp, device=device,
                                like=like, fans=fans, threads=threads,
                                global_shape=global_shape, start=start, chunks=chunks)

    def in_place(array, *, seed=None, stream=0, fans=None, in_axis=-2, out_axis=-1,
                 batch_axis=(), threads=None, global_shape=None, start=None):
        return variance_scaling_(array, scale, mode, distribution, in_axis, out_axis,
                                 batch_axis, seed=seed, stream=stream, fans=fans,
                                 threads=threads, global_shape=global_shape, start=start)
    return new, in_place


def _named(pair, name, doc):
    new, in_place = pair
    new.__name__ = new.__qualname__ = name
    in_place.__name__ = in_place.__qualname__ = name + "_"
    new.__doc__ = doc
    in_place.__doc__ = f"In-place :func:`{name}`: fills ``array`` and returns it."
    return new, in_place


glorot_uniform, glorot_uniform_ = _named(_vs(1.0, "fan_avg", "uniform"), "glorot_uniform", """
    Glorot/Xavier uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``
    (variance_scaling(1, "fan_avg", "uniform")).

    >>> x = fastinit.glorot_uniform((300, 100), seed=0)
    >>> bool(abs(x).max() <= (6 / 400) ** 0.5)
    True
    """)
glorot_normal, glorot_normal_ = _named(_vs(1.0, "fan_avg", "truncated_normal"), "glorot_normal", """
    Glorot/Xavier normal as in Keras/JAX: truncated normal with final std
    ``sqrt(2 / (fan_in + fan_out))`` (variance_scaling(1, "fan_avg", "truncated_normal")).

    >>> x = fastinit.glorot_normal((3, 4), seed=0); x.shape
    (3, 4)
    """)
he_uniform, he_uniform_ = _named(_vs(2.0, "fan_in", "uniform"), "he_uniform", """
    He/Kaiming uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / fan_in)``
    (variance_scaling(2, "fan_in", "uniform")).

    >>> x = fastinit.he_uniform((600, 10), seed=0)
    >>> bool(abs(x).max() <= 0.1)
    True
    """)
he_normal, he_normal_ = _named(_vs(2.0, "fan_in", "truncated_normal"), "he_normal", """
    He/Kaiming normal as in Keras/JAX: truncated normal with final std ``sqrt(2 / fan_in)``
    (variance_scaling(2, "fan_in", "truncated_normal")).

    >>> fastinit.he_normal((3, 3, 8, 16), seed=0).shape
    (3, 3, 8, 16)
    """)
lecun_uniform, lecun_uniform_ = _named(_vs(1.0, "fan_in", "uniform"), "lecun_uniform", """
    LeCun uniform: ``U[-limit, limit)``, ``limit = sqrt(3 / fan_in)``
    (variance_scaling(1, "fan_in", "uniform")).

    >>> x = fastinit.lecun_uniform((300, 10), seed=0)
    >>> bool(abs(x).max() <= 0.1)
    True
    """)
lecun_normal, lecun_normal_ = _named(_vs(1.0, "fan_in", "truncated_normal"), "lecun_normal", """
    LeCun normal as in Keras/JAX: truncated normal with final std ``sqrt(1 / fan_in)``
    (variance_scaling(1, "fan_in", "truncated_normal")).

    >>> fastinit.lecun_normal((4, 5), seed=0, dtype="float64").dtype.name
    'float64'
    """)
xavier_uniform, xavier_uniform_ = glorot_uniform, glorot_uniform_
xavier_normal, xavier_normal_ = glorot_normal, glorot_normal_
kaiming_uniform, kaiming_uniform_ = he_uniform, he_uniform_
kaiming_normal, kaiming_normal_ = he_normal, he_normal_


# ---- orthogonal ---------------------------------------------------------------------------
def orthogonal_matrix(rows, cols, *, seed, stream, gain=1.0):
    """A ``(rows, cols)`` float64 matrix with orthonormal rows (rows <= cols) or columns,
    times ``gain``: QR of a fastinit ``N(0, 1)`` float64 matrix of shape
    ``(max, min)`` in ``(seed, stream)``, signs fixed by ``diag(R)``, transposed when
    ``rows < cols`` (the torch and Keras algorithm)."""
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols))
    n, m = max(rows, cols), min(rows, cols)
    a = sampling.normal((n, m), seed=seed, stream=stream, dtype="float64")
    q, r = np.linalg.qr(a)
    d = np.sign(np.diagonal(r)).copy()
    d[d == 0] = 1.0
    q *= d
    if rows < cols:
        q = q.T
    return q * gain if gain != 1.0 else q


def _orthogonal_host(shape, gain, column_axis, seed, stream):
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape with at least 2 dimensions, got {shape}")
    nd = len(shape)
    if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral) \
            or not -nd <= column_axis < nd:
        raise ValueError(f"column_axis={column_axis!r} is not an axis of shape {shape}")
    col = int(column_axis) % nd
    cols = shape[col]
    rows = math.prod(shape) // cols if cols else math.prod(shape[:col] + shape[col + 1:])
    q = orthogonal_matrix(rows, cols, seed=seed, stream=stream, gain=gain)
    q = q.reshape(shape[:col] + shape[col + 1:] + (cols,))
    return np.moveaxis(q, -1, col)


def orthogonal(shape, gain=1.0, column_axis=-1, *, seed=None, stream=0, dtype=None, xp=None,
               device=None, like=None, chunks=None):
    """A (semi-)orthogonal matrix times ``gain``: the axes other than ``column_axis`` are
    flattened into rows (Keras/JAX, ``column_axis=-1``); ``column_axis=0`` gives the torch
    layout.  Rows (or columns, whichever are fewer) are orthonormal.  Computed on the host
    (NumPy QR in float64), then moved to ``xp``/``device``; Dask gets the host result.

    >>> w = fastinit.orthogonal((3, 5), seed=0, dtype="float64")
    >>> bool(abs(w @ w.T - np.eye(3)).max() < 1e-12)
    True
    """
    gain = _real(gain, "gain")
    seed, stream = _seeding.resolve(seed, stream)
    return _dispatch.new_from_host_fn(
        shape, lambda s, dt: _orthogonal_host(s, gain, column_axis, seed, stream).astype(dt),
        dtype=dtype, target=_dispatch.Target(xp, device, like), chunks=chunks)


def orthogonal_(array, gain=1.0, *, column_axis=-1, seed=None, stream=0):
    """In-place :func:`orthogonal`."""
    gain = _real(gain, "gain")
    shape = _dispatch.shape_of(array)
    seed, stream = _seeding.resolve(seed, stream)
    return _dispatch.assign_(array, _orthogonal_host(shape, gain, column_axis, seed, stream))


# ---- identity, dirac -------------------------------------------------------------------------
def _eye_host(shape, gain):
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-dimensional shape, got {shape}")
    return gain * np.eye(*shape)


def identity(shape, gain=1.0, *, dtype=None, xp=None, device=None, like=None, chunks=None):
    """``gain`` times the (rectangular) identity matrix; 2-D shapes only.

    >>> fastinit.identity((2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    gain = _real(gain, "gain")
    return _dispatch.new_from_host_fn(shape, lambda s, dt: _eye_host(s, gain).astype(dt),
                                      dtype=dtype, target=_dispatch.Target(xp, device, like),
                                      chunks=chunks)


def identity_(array, gain=1.0):
    """In-place :func:`identity`."""
    gain = _real(gain, "gain")
    return _dispatch.assign_(array, _eye_host(_dispatch.shape_of(array), gain))


eye, eye_ = identity, identity_


def _dirac_host(shape, groups):
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac needs a 3-, 4- or 5-dimensional shape (out, in, *kernel), "
                         f"got {shape}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    if shape[0] % groups:
        raise ValueError(f"groups={groups} must divide the out channels shape[0]={shape[0]}")
    out = np.zeros(shape)
    per = shape[0] // groups
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(per, shape[1])):
            out[(g * per + d, d) + centre] = 1.0
    return out


def dirac(shape, groups=1, *, dtype=None, xp=None, device=None, like=None, chunks=None):
    """Dirac delta for convolutions in the torch layout ``(out, in, *kernel)``:
    ``w[g*out/groups + d, d, centre] = 1`` for ``d < min(out/groups, in)``, else 0
    (``torch.nn.init.dirac_``): the convolution preserves its inputs.

    >>> w = fastinit.dirac((2, 2, 3))
    >>> w[:, :, 1].tolist(), float(w.sum())
    ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    return _dispatch.new_from_host_fn(shape, lambda s, dt: _dirac_host(s, groups).astype(dt),
                                      dtype=dtype, target=_dispatch.Target(xp, device, like),
                                      chunks=chunks)


def dirac_(array, groups=1):
    """In-place :func:`dirac`."""
    return _dispatch.assign_(array, _dirac_host(_dispatch.shape_of(array), groups))


# ---- sparse ----------------------------------------------------------------------------------
def sparse_mask_stream(stream):
    """The stream that decides which rows :func:`sparse` zeroes: blake2b of
    ``"fastinit.sparse/<stream>"`` (see :func:`fastinit.stream_for_name`)."""
    return _seeding.stream_for_name(f"fastinit.sparse/{stream}")


def _sparse_host(shape, dt, sparsity, std, seed, stream):
    if len(shape) != 2:
        raise ValueError(f"sparse needs a 2-dimensional shape, got {shape}")
    sparsity = _real(sparsity, "sparsity")
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    rows, cols = shape
    out = sampling.normal(shape, 0.0, std, seed=seed, stream=stream, dtype=dt)
    zeros_per_col = math.ceil(sparsity * rows)
    if zeros_per_col and out.size:
        keys = sampling.uniform(shape, seed=seed, stream=sparse_mask_stream(stream),
                                dtype="float64")
        order = np.argsort(keys, axis=0, kind="stable")[:zeros_per_col]
        out[order, np.arange(cols)] = 0
    return out


def sparse(shape, sparsity, std=0.01, *, seed=None, stream=0, dtype=None, xp=None, device=None,
           like=None, chunks=None):
    """2-D ``(rows, cols)``: ``N(0, std**2)`` (the normal of ``(seed, stream)``) with
    ``ceil(sparsity * rows)`` entries of each column set to 0 (``torch.nn.init.sparse_``).
    The zeroed rows of column ``j`` are those with the smallest keys in column ``j`` of a
    float64 uniform matrix in stream :func:`sparse_mask_stream`, so they are reproducible.

    >>> w = fastinit.sparse((10, 4), 0.3, seed=0)
    >>> (w == 0).sum(axis=0).tolist()
    [3, 3, 3, 3]
    """
    seed, stream = _seeding.resolve(seed, stream)
    return _dispatch.new_from_host_fn(
        shape, lambda s, dt: _sparse_host(s, dt, sparsity, std, seed, stream),
        dtype=dtype, target=_dispatch.Target(xp, device, like), chunks=chunks)


def sparse_(array, sparsity, std=0.01, *, seed=None, stream=0):
    """In-place :func:`sparse`."""
    seed, stream = _seeding.resolve(seed, stream)
    dt = _dispatch.array_dtype(array)
    host = _sparse_host(_dispatch.shape_of(array), dt, sparsity, std, seed, stream)
    return _dispatch.assign_(array, host)
