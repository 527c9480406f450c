"""Array API layer: which framework an array or namespace belongs to, and how to fill it.

Detection goes through ``array_api_compat`` (``array_namespace``, ``is_*_array``,
``is_*_namespace``, ``device``).  Routes:

* NumPy: :func:`fastinit.sampling.fill` straight into the buffer.
* torch CPU float16/32/64: the zero-copy view ``t.detach().numpy()`` (a strided view is
  filled through a temporary by ``sampling.fill``); bfloat16 through
  ``t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)``.
* CuPy arrays and torch CUDA tensors: ``fastinit._gpu.fill_device``, or a RuntimeError
  when the GPU backend is missing -- never a silent host round trip.
* Namespaces without a native path (array-api-strict, JAX, ...): samples are made on the
  host with NumPy, then ``xp.asarray(..., device=...)``.  In-place fills of immutable
  arrays (JAX) raise TypeError.
* Dask: lazy arrays whose chunks are filled with ``global_shape``/``start``, so
  ``.compute()`` equals the NumPy result bit for bit whatever the chunks.

Every route samples element ``e`` from ``(seed, stream, e)``: NumPy, torch, array-api-strict
and Dask outputs of the same call are identical.
"""
import numpy as np
import array_api_compat as _compat

from . import _host, _layout, _seeding, sampling

_PARAMS = {_host.UNIFORM: sampling.uniform_params,
           _host.NORMAL: sampling.normal_params,
           _host.TRUNCATED: sampling.truncated_params}


# ---- dtypes -------------------------------------------------------------------------
def np_dtype(dtype, name="dtype"):
    """A NumPy dtype (float16/bfloat16/float32/float64) from a dtype of any framework:
    a string, a NumPy/JAX/CuPy dtype, a torch dtype or an array-api-strict dtype.
    ``None`` means float32."""
    if dtype is None:
        return np.dtype(np.float32)
    try:
        return _host.resolve_dtype(dtype, name)
    except TypeError:
        tail = str(dtype).rsplit(".", 1)[-1]
        if tail in _host.DTYPE_NAMES:
            return _host.resolve_dtype(tail, name)
        raise TypeError(f"{name} must be a floating dtype ({', '.join(_host.DTYPE_NAMES)}); "
                        f"got {dtype!r}") from None


def _torch_dtype(dt):
    import torch
    return {"float16": torch.float16, "bfloat16": torch.bfloat16,
            "float32": torch.float32, "float64": torch.float64}[dt.name]


def _xp_dtype(xp, dt):
    return getattr(xp, dt.name)


# ---- namespaces ---------------------------------------------------------------------
def kind_of_namespace(xp):
    """'numpy' | 'torch' | 'cupy' | 'dask' | 'jax' | 'strict' | 'other'."""
    if _compat.is_numpy_namespace(xp):
        return "numpy"
    if _compat.is_torch_namespace(xp):
        return "torch"
    if _compat.is_cupy_namespace(xp):
        return "cupy"
    if _compat.is_dask_namespace(xp):
        return "dask"
    if _compat.is_jax_namespace(xp):
        return "jax"
    if _compat.is_array_api_strict_namespace(xp):
        return "strict"
    return "other"


def kind_of_array(x):
    if _compat.is_numpy_array(x) and isinstance(x, np.ndarray):
        return "numpy"
    if _compat.is_torch_array(x):
        return "torch"
    if _compat.is_cupy_array(x):
        return "cupy"
    if _compat.is_dask_array(x):
        return "dask"
    if _compat.is_jax_array(x):
        return "jax"
    try:
        xp = _compat.array_namespace(x)
    except TypeError:
        raise TypeError(f"expected an array of a supported framework (NumPy, torch, CuPy, "
                        f"JAX, Dask, any Array API namespace); got {type(x).__name__}") from None
    return kind_of_namespace(xp)


class Target:
    """Where a new array goes: the namespace module ``xp``, its kind, the device."""

    def __init__(self, xp=None, device=None, like=None):
        if xp is None and like is not None:
            xp = _compat.array_namespace(like)
            if device is None and not _compat.is_numpy_array(like):
                device = _compat.device(like)
        self.xp = np if xp is None else xp
        self.kind = kind_of_namespace(self.xp)
        self.device = device


# ---- in-place random fill ------------------------------------------------------------
def _gpu_fill():
    try:
        from . import _gpu
    except ImportError as exc:
        reason = f" ({exc})"
    else:
        fn = getattr(_gpu, "fill_device", None)
        if fn is not None:
            return fn
        reason = " (fastinit._gpu has no fill_device)"
    raise RuntimeError("GPU arrays need fastinit's GPU backend (cupy); it is not available"
                       f"{reason}. Install cupy, or fill a CPU array and move it yourself.")


def _torch_host_view(t):
    """A writable NumPy view sharing t's memory (t on the CPU)."""
    import torch
    d = t.detach()
    if d.dtype == torch.bfloat16:
        if _host.BFLOAT16 is None:
            raise TypeError("bfloat16 tensors need the ml_dtypes package")
        return d.view(torch.int16).numpy().view(_host.BFLOAT16)
    return d.numpy()


def _bump_version(t):
    """Written through a NumPy view, behind autograd's back: bump the version counter
    as torch's own in-place init under no_grad does, so a tensor already saved for a
    backward pass is reported as modified instead of silently giving wrong gradients."""
    import torch
    try:
        torch.autograd.graph.increment_version(t)
    except Exception:  # inference tensors have no version counter
        pass


def shape_of(x):
    """The shape of an array of any supported framework (TypeError for anything else)."""
    kind_of_array(x)
    return tuple(int(d) for d in x.shape)


def array_dtype(x):
    return np_dtype(x.dtype, "the array's dtype")


def fill_(x, dist, args, *, seed=None, stream=0, threads=None, global_shape=None, start=None):
    """Fill array ``x`` in place with distribution ``dist`` (``_host.UNIFORM`` with
    ``(low, high)``, ``NORMAL`` with ``(mean, std)``, ``TRUNCATED`` with
    ``(mean, std, low, high)``) and return it."""
    kind = kind_of_array(x)
    dt = array_dtype(x)
    fmt = _host.fmt_of(dt)
    params = _PARAMS[dist](fmt, *args)
    shape = tuple(int(d) for d in x.shape)
    gshape, gstart = _layout.check_shard(shape, global_shape, start)
    seed, stream = _seeding.resolve(seed, stream)
    kw = dict(seed=seed, stream=stream, global_shape=gshape, start=gstart)
    if kind == "numpy":
        sampling._check_out(x)
        return sampling.fill(x, dist, params, threads=threads, **kw)
    if kind == "torch":
        dev = x.device.type
        if dev == "meta":
            return x
        if dev == "cpu":
            sampling.fill(_torch_host_view(x), dist, params, threads=threads, **kw)
            _bump_version(x)
            return x
        if dev == "cuda":
            return _gpu_fill()(x, dist, params, fmt, **kw)
        raise RuntimeError(f"fastinit cannot fill torch tensors on device {x.device}")
    if kind == "cupy":
        return _gpu_fill()(x, dist, params, fmt, **kw)
    host = np.empty(shape, dt)
    sampling.fill(host, dist, params, threads=threads, **kw)
    return assign_(x, host)


def _check_writable(x, kind):
    if kind == "jax" or not _compat.is_writeable_array(x):
        raise TypeError(f"{type(x).__name__} arrays are immutable; use the return-new form "
                        "(e.g. fastinit.glorot_uniform(shape, xp=...)) instead of the in-place one")
    if kind == "dask":
        raise TypeError("fill Dask arrays with the return-new form "
                        "(e.g. fastinit.glorot_uniform(shape, xp=dask.array) or fastinit.dask)")


def assign_(x, host):
    """Write the NumPy array ``host`` (same shape, any float dtype) into ``x`` in place.
    Used by the initializers computed on the host (orthogonal, sparse, eye, dirac) and by
    namespaces without a native sampling path."""
    kind = kind_of_array(x)
    dt = array_dtype(x)
    if tuple(host.shape) != tuple(x.shape):
        raise ValueError(f"shape mismatch: {host.shape} into {tuple(x.shape)}")
    host = np.ascontiguousarray(host, dtype=dt)
    if kind == "numpy":
        sampling._check_out(x)
        x[...] = host
        return x
    if kind == "torch":
        import torch
        if x.device.type == "meta":
            return x
        with torch.no_grad():
            x.copy_(torch_from_numpy(host))
        return x
    if kind == "cupy":
        import cupy
        with x.device:
            x[...] = cupy.asarray(host)
        return x
    _check_writable(x, kind)
    xp = _compat.array_namespace(x)
    x[...] = xp.asarray(host, device=_compat.device(x))
    return x


def fill_value_(x, value):
    """Set every element of ``x`` to ``value`` in place."""
    kind = kind_of_array(x)
    array_dtype(x)
    if kind == "numpy":
        sampling._check_out(x)
        x[...] = value
        return x
    if kind == "torch":
        import torch
        with torch.no_grad():
            x.fill_(value)
        return x
    if kind == "cupy":
        x.fill(value)
        return x
    _check_writable(x, kind)
    x[...] = value
    return x


# ---- new arrays ----------------------------------------------------------------------
def torch_from_numpy(host):
    import torch
    if host.dtype == _host.BFLOAT16:
        return torch.from_numpy(np.ascontiguousarray(host).view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(host))


def from_host(host, target, chunks=None):
    """A NumPy array moved into ``target``'s namespace/device (explicit copy)."""
    kind, xp, device = target.kind, target.xp, target.device
    if kind == "numpy":
        return host
    if kind == "torch":
        t = torch_from_numpy(host)
        return t if device is None else t.to(device)
    if kind == "cupy":
        import cupy
        if device is None:
            return cupy.asarray(host)
        with device:
            return cupy.asarray(host)
    if kind == "dask":
        import dask.array as da
        return da.from_array(host, chunks="auto" if chunks is None else chunks)
    return xp.asarray(host) if device is None else xp.asarray(host, device=device)


def new_random(shape, dist, args, *, dtype=None, seed=None, stream=0, target=None,
               threads=None, chunks=None):
    """A new array of ``shape`` sampled from ``(dist, args)`` in ``target``'s namespace."""
    target = Target() if target is None else target
    shape = _layout.check_shape(shape)
    dt = np_dtype(dtype)
    _PARAMS[dist](_host.fmt_of(dt), *args)   # validate before anything is allocated
    seed, stream = _seeding.resolve(seed, stream)
    kind = target.kind
    if kind == "numpy":
        return fill_(np.empty(shape, dt), dist, args, seed=seed, stream=stream, threads=threads)
    if kind == "torch":
        import torch
        t = torch.empty(shape, dtype=_torch_dtype(dt), device=target.device)
        return fill_(t, dist, args, seed=seed, stream=stream, threads=threads)
    if kind == "cupy":
        import cupy
        if target.device is None:
            x = cupy.empty(shape, dt)
        else:
            with target.device:
                x = cupy.empty(shape, dt)
        return fill_(x, dist, args, seed=seed, stream=stream)
    if kind == "dask":
        return dask_random(shape, dt, dist, args, seed=seed, stream=stream, chunks=chunks)
    host = fill_(np.empty(shape, dt), dist, args, seed=seed, stream=stream, threads=threads)
    return from_host(host, target)


def new_full(shape, value, *, dtype=None, target=None, chunks=None):
    target = Target() if target is None else target
    shape = _layout.check_shape(shape)
    dt = np_dtype(dtype)
    kind, xp, device = target.kind, target.xp, target.device
    if kind == "numpy":
        return np.full(shape, value, dt)
    if kind == "torch":
        import torch
        return torch.full(shape, value, dtype=_torch_dtype(dt), device=device)
    if kind == "dask":
        import dask.array as da
        return da.full(shape, value, dtype=dt, chunks="auto" if chunks is None else chunks)
    if kind == "cupy":
        return from_host(np.full(shape, value, dt), target)
    kw = {} if device is None else {"device": device}
    return xp.full(shape, value, dtype=_xp_dtype(xp, dt), **kw)


def new_from_host_fn(shape, host_fn, *, dtype=None, target=None, chunks=None):
    """A new array computed on the host by ``host_fn(shape, np_dtype)``, then moved."""
    target = Target() if target is None else target
    shape = _layout.check_shape(shape)
    dt = np_dtype(dtype)
    return from_host(host_fn(shape, dt), target, chunks=chunks)


# ---- dask ----------------------------------------------------------------------------
def _dask_block(dt, dist, params, seed, stream, gshape, block_info=None):
    info = block_info[None]
    loc = info["array-location"]
    out = np.empty(tuple(b - a for a, b in loc), dt)
    return sampling.fill(out, dist, params, seed=seed, stream=stream, threads=1,
                         global_shape=gshape, start=tuple(a for a, _ in loc))


def dask_random(shape, dt, dist, args, *, seed, stream, chunks=None):
    """A lazy Dask array whose chunks are filled as shards of the whole tensor
    (``global_shape``/``start``): ``.compute()`` equals the NumPy result bit for bit.
    ``seed``/``stream`` must already be resolved integers."""
    import dask.array as da
    from dask.base import tokenize
    shape = _layout.check_shape(shape)
    dt = np_dtype(dt)
    params = _PARAMS[dist](_host.fmt_of(dt), *args)
    seed, stream = _seeding.check_u64(seed, "seed"), _seeding.check_u64(stream, "stream")
    chunks = da.core.normalize_chunks("auto" if chunks is None else chunks, shape, dtype=dt)
    name = "fastinit-" + tokenize(shape, dt.name, dist, params, seed, stream, chunks)
    return da.map_blocks(_dask_block, dt, dist, params, seed, stream, shape, chunks=chunks,
                         dtype=dt, meta=np.empty((0,) * len(shape), dt), name=name)
