"""JAX initializers backed by fastinit, name for name and signature for signature as
:mod:`jax.nn.initializers`::

    import fastinit.jax as init
    flax.linen.Dense(8, kernel_init=init.glorot_uniform())
    w = init.he_normal()(jax.random.key(0), (784, 256))

Builders return ``init(key, shape, dtype=<bound default>, out_sharding=None)``;
``zeros``/``ones`` are initializers themselves.  The semantics are JAX's: ``dtype=None``
is JAX's default float (float64 under ``jax_enable_x64``), fans use ``in_axis``/
``out_axis``/``batch_axis`` (ints or sequences, empty included) with JAX's error for 1-D
and 0-D shapes under the default ``in_axis`` (the catalog, :func:`fastinit.fans.
compute_fans`, follows Keras there instead and uses ``fan_in = fan_out = n``), complex
dtypes follow JAX's complex variance scaling, and ``truncated_normal``'s ``lower``/
``upper`` are in units of ``stddev``.

The values are fastinit's: the key maps to ``(seed, stream)`` (:func:`seed_stream`, see
docs/contract.rst "JAX keys"), so ``init(key, shape)`` equals the matching catalog call
(``fastinit.normal(shape, 0, stddev, seed=, stream=)`` ...) bit for bit, eagerly, under
``jax.jit``/``jax.vmap``, and shard by shard.

How: an eager call with a concrete key fills on the host with the public catalog and
moves the result to the default device (or, with ``out_sharding=``, fills each
addressable shard from its global offset through :func:`jax.make_array_from_callback`).
Inside a transformation the key is traced and is an input of the compiled program,
never a constant in it.  On the CPU backend the fill is an XLA FFI custom call
(``fastinit_fill``, see ``fastinit._jax_ffi``) that writes the catalog's values straight
into XLA's output buffer; elsewhere it is a :func:`jax.pure_callback`.  Both batch with
``vmap_method="expand_dims"`` (one fill per key of a batch).  On an accelerator the
host fill is copied to the device, so the values equal the CPU's.
"""
import math
import numbers
from typing import Any, Callable, Tuple

import jax
import jax.numpy as jnp
import numpy as np

import fastinit as _fi
from . import _jax_ffi

__all__ = ["Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
           "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
           "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
           "variance_scaling", "xavier_normal", "xavier_uniform", "zeros", "seed_stream"]

Initializer = jax.nn.initializers.Initializer

_TRUNC_STD = 0.87962566103423978          # std of N(0, 1) cut at +-2
_COMPLEX_TRUNC_STD = 0.95311164380491208  # std of the complex N(0, 1) with |z| cut at 2
_REAL = ("float16", "bfloat16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")


# ---- keys -----------------------------------------------------------------------------------
def _key_data(key):
    """The uint32 words of a typed or raw key (traced or not)."""
    dt = getattr(key, "dtype", None)
    if dt is not None and jax.dtypes.issubdtype(dt, jax.dtypes.prng_key):
        data = jax.random.key_data(key)
    else:
        if dt is None or not hasattr(key, "shape"):
            raise TypeError("key must be a jax.random.key or a raw jax.random.PRNGKey "
                            f"array; got {type(key).__name__}")
        data = key
    if data.dtype != np.uint32 or data.ndim != 1 or data.shape[0] not in (2, 4):
        raise TypeError("key must be a single jax.random.key or raw PRNGKey (uint32 words "
                        f"of shape (2,) or (4,)); got dtype={data.dtype}, shape={data.shape}")
    return data


def seed_stream(key: Any) -> Tuple[int, int]:
    """``(seed, stream)`` of a concrete key: its uint32 words ``w``, zero-padded to
    four, give ``seed = w[0] * 2**32 + w[1]`` and ``stream = w[2] * 2**32 + w[3]``.
    ``jax.random.PRNGKey(n)``/``jax.random.key(n)`` (threefry) is ``(n, 0)``.

    >>> seed_stream(jax.random.key(42))
    (42, 0)
    """
    return _words_to_pair(np.asarray(_key_data(key)))


def _words_to_pair(words):
    w = [int(x) for x in words] + [0] * (4 - len(words))
    return (w[0] << 32) | w[1], (w[2] << 32) | w[3]


# ---- arguments --------------------------------------------------------------------------------
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
    if isinstance(value, jax.core.Tracer):
        return 1.0, value
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "biuf":
        return float(arr), None
    return 1.0, value


def _concrete(value, name):
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{name} must be a concrete number here (fastinit computes the "
                        "truncation on the host); got a traced value")
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real scalar, got {value!r}")
    return float(arr)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """``jax.nn.initializers``' fans (float), with its error for 0-D/1-D shapes under the
    default ``in_axis``."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional weights "
            "tensor with default in_axis. Must be at least 2D or specify in_axis explicitly.")

    def size(axis):
        if isinstance(axis, numbers.Integral):
            return shape[axis]
        return math.prod([shape[i] for i in axis])
    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    if in_size * out_size * batch_size == 0:
        return 0.0, 0.0           # an empty tensor (JAX divides by zero here)
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


# ---- host fills -----------------------------------------------------------------------------
# A fill is ``draw(seed, stream, shape, global_shape, start)`` -> NumPy array of ``shape``
# (``global_shape``/``start`` None for the whole tensor), built by the public catalog.
# Most also have ``draw.into(seed, stream, out, global_shape, start)``, filling ``out`` in
# place with the catalog's in-place form (what the XLA FFI path writes into).
def _catalog(fn, fn_, dt, *args, **kw):
    def draw(seed, stream, shape, global_shape, start):
        return fn(shape, *args, seed=seed, stream=stream, dtype=dt.name,
                  global_shape=global_shape, start=start, **kw)

    def into(seed, stream, out, global_shape, start):
        fn_(out, *args, seed=seed, stream=stream, global_shape=global_shape, start=start, **kw)
    draw.into = into
    return draw


def _fill_into(draw, seed, stream, out, global_shape, start):
    if hasattr(draw, "into"):
        draw.into(seed, stream, out, global_shape, start)
    else:
        out[...] = draw(seed, stream, out.shape, global_shape, start)


def _pairs(fn, real_dt, *args):
    """Real and imaginary parts of element e are elements 2e and 2e+1 of the same stream
    (a trailing axis of 2), so shards stay slices of the whole."""
    def draw(seed, stream, shape, global_shape, start):
        gs = None if global_shape is None else tuple(global_shape) + (2,)
        st = None if start is None else tuple(start) + (0,)
        pair = fn(tuple(shape) + (2,), *args, seed=seed, stream=stream, dtype=real_dt,
                  global_shape=gs, start=st)
        return pair[..., 0], pair[..., 1]
    return draw


def _complex_normal(cdt, std):
    """JAX's complex normal: E|z|**2 = std**2, real and imaginary parts N(0, std**2 / 2)."""
    parts = _pairs(_fi.normal, _real_of(cdt).name, 0.0, std / math.sqrt(2.0))

    def draw(*a):
        re, im = parts(*a)
        out = np.empty(re.shape, cdt)
        out.real, out.imag = re, im
        return out

    def into(seed, stream, out, global_shape, start):
        pairs = out.view(out.real.dtype).reshape(out.shape + (2,))   # (re, im) interleaved
        gs = None if global_shape is None else tuple(global_shape) + (2,)
        st = None if start is None else tuple(start) + (0,)
        _fi.normal_(pairs, 0.0, std / math.sqrt(2.0), seed=seed, stream=stream,
                    global_shape=gs, start=st)
    draw.into = into
    return draw


def _complex_polar(cdt, radius):
    """``radius(u1) * exp(2 pi i u2)`` with u1, u2 ~ U[0, 1) in float64 (JAX's disk and
    modulus-truncated complex samplers)."""
    parts = _pairs(_fi.uniform, "float64", 0.0, 1.0)

    def draw(*a):
        u1, u2 = parts(*a)
        return (radius(u1) * np.exp(2j * np.pi * u2)).astype(cdt)
    return draw


def _real_of(dt):
    return np.dtype(np.float32 if dt == np.complex64 else np.float64)


def _variance_scaling_draw(shape, dt, scale, mode, distribution, in_axis, out_axis, batch_axis):
    fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
    if mode == "fan_in":
        fan = fan_in
    elif mode == "fan_out":
        fan = fan_out
    elif mode == "fan_avg":
        fan = (fan_in + fan_out) / 2
    elif mode == "fan_geo_avg":
        fan = (fan_in * fan_out) ** 0.5
    else:
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"invalid distribution for variance scaling initializer: "
                         f"{distribution}")
    if math.prod(shape) == 0 or not fan > 0:
        fan = 1.0     # nothing is drawn, or JAX would divide by zero: keep parameters finite
    variance = scale / fan
    if dt.kind != "c":
        return _vs_real(dt, variance, distribution)
    if distribution == "normal":
        return _complex_normal(dt, math.sqrt(variance))
    if distribution == "uniform":     # a disk of radius sqrt(2): unit variance
        s = math.sqrt(variance)
        return _complex_polar(dt, lambda u: s * np.sqrt(2.0 * u))
    s = math.sqrt(variance) / _COMPLEX_TRUNC_STD
    cut = 1.0 - math.exp(-4.0)        # modulus cut at 2 before scaling
    return _complex_polar(dt, lambda u: s * np.sqrt(-np.log1p(-cut * u)))


def _vs_real(dt, variance, distribution):
    """The catalog's variance scaling with fans chosen so that ``scale / fan`` is
    ``variance`` (``fans=(1, 1)``, ``scale=variance``): the same kernels and parameters
    as ``fastinit.variance_scaling``."""
    return _catalog(_fi.variance_scaling, _fi.variance_scaling_, dt, variance, "fan_in",
                    distribution, fans=(1.0, 1.0))


def _orthogonal_host(shape, dt, column_axis, seed, stream, gain):
    """JAX's layout: rows = all axes but ``column_axis`` flattened; orthonormal rows or
    columns, whichever are fewer.  Real: the catalog's :func:`fastinit.orthogonal`.
    Complex: QR of a fastinit complex normal, phases fixed by diag(R)."""
    if dt.kind != "c":
        return _fi.orthogonal(shape, gain, column_axis, seed=seed, stream=stream,
                              dtype=dt.name)
    nd = len(shape)
    col = column_axis % nd
    cols = shape[col]
    rows = math.prod(shape) // cols
    n, m = max(rows, cols), min(rows, cols)
    a = _complex_normal(np.dtype(np.complex128), 1.0)(seed, stream, (n, m), None, None)
    q, r = np.linalg.qr(a)
    d = np.diagonal(r).copy()
    d = np.where(d == 0, 1.0, d / np.abs(np.where(d == 0, 1.0, d)))
    q = q * d
    if rows < cols:
        q = q.T
    q = (q * gain).reshape(shape[:col] + shape[col + 1:] + (cols,))
    return np.moveaxis(q, -1, col).astype(dt)


# ---- running a fill: eager, traced, sharded -------------------------------------------------
def _named_sharding(out_sharding):
    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        mesh = jax.sharding.get_mesh()
        if mesh.empty:
            raise ValueError("out_sharding given as a PartitionSpec needs a mesh set with "
                             "jax.set_mesh(...); or pass a NamedSharding")
        return jax.sharding.NamedSharding(mesh, out_sharding)
    if not isinstance(out_sharding, jax.sharding.Sharding):
        raise TypeError("out_sharding must be None, a jax.sharding.Sharding (e.g. "
                        f"NamedSharding) or a PartitionSpec; got {out_sharding!r}")
    return out_sharding


def _index_start(index, shape):
    if index is None:
        return tuple(shape), (0,) * len(shape)
    sub, start = [], []
    for sl, d in zip(index, shape):
        lo, hi, _ = sl.indices(d)
        start.append(lo)
        sub.append(max(hi - lo, 0))
    return tuple(sub), tuple(start)


def _sharded(draw, seed, stream, shape, dt, sharding, whole_only):
    cache = {}
    if whole_only:
        whole = draw(seed, stream, shape, None, None)

    def block(index):
        sub, start = _index_start(index, shape)
        if (sub, start) not in cache:
            if whole_only:
                cache[sub, start] = whole[tuple(slice(s, s + n) for s, n in zip(start, sub))]
            elif sub == shape:
                cache[sub, start] = draw(seed, stream, shape, None, None)
            else:
                cache[sub, start] = draw(seed, stream, sub, shape, start)
        return cache[sub, start]
    return jax.make_array_from_callback(shape, sharding, block, dtype=dt)


def _batched_host(draw, shape, dt):
    def callback(words):
        words = np.asarray(words)
        batch = words.shape[:-1]
        if not batch:        # one key: hand the fill over as is (no extra copy)
            return draw(*_words_to_pair(words), shape, None, None)
        flat = words.reshape(-1, words.shape[-1])
        out = np.empty((len(flat),) + shape, dt)
        for i, w in enumerate(flat):
            seed, stream = _words_to_pair(w)
            out[i] = draw(seed, stream, shape, None, None)
        return out.reshape(batch + shape)
    return callback


def _spec_axes(spec, ndim):
    entries = tuple(spec) + (None,) * (ndim - len(tuple(spec)))
    return [() if e is None else (tuple(e) if isinstance(e, (tuple, list)) else (e,))
            for e in entries]


def _traced_sharded(words, shape, dt, draw, out_sharding, whole_only):
    """Inside jit: a shard_map whose body fills its own block on the host from the block's
    global offset (computed from the mesh axis indices, a-major for ``("a", "b")``)."""
    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        mesh, spec, sizes = None, out_sharding, dict(jax.sharding.get_abstract_mesh().shape)
    elif isinstance(out_sharding, jax.sharding.NamedSharding):
        mesh, spec, sizes = out_sharding.mesh, out_sharding.spec, dict(out_sharding.mesh.shape)
    else:
        raise TypeError("inside a transformation out_sharding must be a NamedSharding or a "
                        f"PartitionSpec; got {out_sharding!r}")
    axes = _spec_axes(spec, len(shape))
    local = []
    for d, names in zip(shape, axes):
        parts = math.prod(sizes[a] for a in names)
        if d % parts:
            raise ValueError(f"out_sharding={out_sharding} splits a dimension of {d} into "
                             f"{parts} parts; inside a transformation each dimension must "
                             "divide evenly (eager calls take uneven shardings)")
        local.append(d // parts)
    local = tuple(local)
    ffi = _jax_ffi.available()
    if ffi:
        ident = _jax_ffi.register(_ffi_fill(draw, shape, local, whole_only), local, dt)

    def body(w):
        starts = []
        for n, names in zip(local, axes):
            idx = jnp.int32(0)
            for a in names:
                idx = idx * sizes[a] + jax.lax.axis_index(a)
            starts.append(idx * n)
        start = jnp.stack(starts).astype(jnp.int32) if starts else jnp.zeros((0,), jnp.int32)
        if ffi:
            return _jax_ffi.call(ident, w, start, local, dt)
        return jax.pure_callback(_block_host(draw, shape, local, dt, whole_only),
                                 jax.ShapeDtypeStruct(local, dt), w, start,
                                 vmap_method="sequential")
    kw = {} if mesh is None else {"mesh": mesh}
    return jax.shard_map(body, in_specs=jax.sharding.PartitionSpec(), out_specs=spec,
                         **kw)(words)


def _block_host(draw, shape, local, dt, whole_only):
    def callback(words, start):
        seed, stream = _words_to_pair(np.asarray(words))
        start = tuple(int(s) for s in np.asarray(start))
        if whole_only:
            whole = draw(seed, stream, shape, None, None)
            return np.ascontiguousarray(whole[tuple(slice(s, s + n)
                                                    for s, n in zip(start, local))])
        if local == shape:
            return draw(seed, stream, shape, None, None)
        return draw(seed, stream, local, shape, start)
    return callback


def _ffi_fill(draw, shape, local, whole_only):
    """The block fill the FFI handler runs: ``(words, start or None, out)``."""
    def fill(words, start, out):
        seed, stream = _words_to_pair(words)
        if whole_only:
            whole = draw(seed, stream, shape, None, None)
            out[...] = whole if start is None else \
                whole[tuple(slice(s, s + n) for s, n in zip(start, local))]
        elif start is None or local == shape:
            _fill_into(draw, seed, stream, out, None, None)
        else:
            _fill_into(draw, seed, stream, out, shape, start)
    return fill


def _traced_whole(words, shape, dt, draw, whole_only):
    if _jax_ffi.available():
        ident = _jax_ffi.register(_ffi_fill(draw, shape, shape, whole_only), shape, dt)
        return _jax_ffi.call(ident, words, jnp.zeros((0,), jnp.int32), shape, dt)
    return jax.pure_callback(_batched_host(draw, shape, dt), jax.ShapeDtypeStruct(shape, dt),
                             words, vmap_method="expand_dims")


def _run(key, shape, dt, draw, out_sharding, factor=None, whole_only=False):
    words = _key_data(key)
    if isinstance(words, jax.core.Tracer):
        if out_sharding is None:
            out = _traced_whole(words, shape, dt, draw, whole_only)
        else:
            out = _traced_sharded(words, shape, dt, draw, out_sharding, whole_only)
    else:
        sharding = None if out_sharding is None else _named_sharding(out_sharding)
        seed, stream = _words_to_pair(np.asarray(words))
        if sharding is not None:
            out = _sharded(draw, seed, stream, shape, dt, sharding, whole_only)
        else:
            out = jax.device_put(draw(seed, stream, shape, None, None))
    if factor is not None:
        out = out * jnp.asarray(factor, dt)
    return out


# ---- the initializers -----------------------------------------------------------------------
def zeros(key: Any, shape: Any, dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """All zeros; ``key`` is ignored.

    >>> zeros(jax.random.key(42), (2, 3), jnp.float32).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
    return jnp.zeros(_shape(shape), dtype, **_placement(out_sharding))


def ones(key: Any, shape: Any, dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """All ones; ``key`` is ignored.

    >>> ones(jax.random.key(42), (3,), jnp.float32).tolist()
    [1.0, 1.0, 1.0]
    """
    dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
    return jnp.ones(_shape(shape), dtype, **_placement(out_sharding))


def _placement(out_sharding):
    """jnp's keyword for ``out_sharding``: a PartitionSpec is resolved by JAX against the
    current mesh (as JAX's own zeros/ones); a Sharding places the array (eager or traced)."""
    if out_sharding is None:
        return {}
    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        return {"out_sharding": out_sharding}
    return {"device": _named_sharding(out_sharding)}


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer filling ``value`` (anything ``jnp.full`` takes).

    >>> constant(-7)(jax.random.key(42), (2,), jnp.float32).tolist()
    [-7.0, -7.0]
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
        place = _placement(out_sharding)
        if "out_sharding" in place:
            return jnp.zeros(_shape(shape), dtype, **place) + jnp.asarray(value, dtype)
        return jnp.full(_shape(shape), value, dtype=dtype, **place)
    return init


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``U[0, scale)`` (real dtypes): ``fastinit.uniform(shape, 0, scale, seed=, stream=)``.

    >>> x = uniform(10.0)(jax.random.key(0), (2, 3))
    >>> bool(((x >= 0) & (x < 10)).all())
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "uniform", complex_ok=False)
        high, factor = _scalar(scale)
        return _run(key, shape, dt, _catalog(_fi.uniform, _fi.uniform_, dt, 0.0, high), out_sharding, factor)
    return init


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``N(0, stddev**2)``: ``fastinit.normal(shape, 0, stddev, seed=, stream=)``; complex
    dtypes have ``E|z|**2 = stddev**2`` (real and imaginary parts interleaved in the
    stream, see docs/contract.rst).

    >>> normal(5.0)(jax.random.key(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "normal")
        std, factor = _scalar(stddev)
        draw = _complex_normal(dt, std) if dt.kind == "c" else _catalog(_fi.normal, _fi.normal_, dt,
                                                                        0.0, std)
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0,
                     upper: Any = 2.0) -> Initializer:
    """``N(0, stddev**2)`` cut to ``[lower * stddev, upper * stddev]`` (no variance
    correction, as JAX): ``fastinit.truncated_normal(shape, 0, stddev, lower * stddev,
    upper * stddev, ...)``.

    >>> x = truncated_normal(1.0)(jax.random.key(0), (1000,))
    >>> bool((abs(x) <= 2).all())
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "truncated_normal", complex_ok=False)
        lo, hi = _concrete(lower, "lower"), _concrete(upper, "upper")
        std, factor = _scalar(stddev)
        draw = _catalog(_fi.truncated_normal, _fi.truncated_normal_, dt, 0.0, std,
                        lo * std, hi * std)
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def variance_scaling(scale: Any, mode: str, distribution: str, in_axis: Any = -2,
                     out_axis: Any = -1, batch_axis: Any = (), dtype: Any = None) -> Initializer:
    """JAX's variance scaling: ``variance = scale / n`` with ``n`` = fan_in, fan_out,
    their mean (``fan_avg``) or geometric mean (``fan_geo_avg``).

    * ``truncated_normal``: cut at 2 standard deviations, then scaled so the std is
      ``sqrt(variance)``; complex: modulus cut at 2, ``/ 0.95311164380491208``;
    * ``normal``: ``N(0, variance)`` (complex: ``E|z|**2 = variance``);
    * ``uniform``: ``U[-sqrt(3 variance), sqrt(3 variance))``; complex: a uniform disk
      of variance ``variance``.

    Real dtypes equal ``fastinit.variance_scaling(shape, variance, "fan_in",
    distribution, fans=(1, 1), seed=, stream=)``.

    >>> x = variance_scaling(2.0, "fan_in", "uniform")(jax.random.key(0), (256, 64))
    >>> bool(abs(x).max() <= (3 * 2.0 / 256) ** 0.5)
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "variance_scaling")
        value, traced = _scalar(scale)
        draw = _variance_scaling_draw(shape, dt, value, mode, distribution, in_axis,
                                      out_axis, batch_axis)
        factor = None if traced is None else jnp.sqrt(jnp.asarray(traced))
        return _run(key, shape, dt, draw, out_sharding, factor)
    return init


def _preset(name: str, scale: float, mode: str, distribution: str,
            doc: str) -> Callable[..., Initializer]:
    def builder(in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = (),
                dtype: Any = None) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis=in_axis,
                                out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)
    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = doc
    return builder


glorot_uniform = _preset("glorot_uniform", 1.0, "fan_avg", "uniform",
                         "Glorot/Xavier uniform: variance_scaling(1.0, 'fan_avg', 'uniform').")
glorot_normal = _preset("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                        "Glorot/Xavier normal: variance_scaling(1.0, 'fan_avg', "
                        "'truncated_normal').")
lecun_uniform = _preset("lecun_uniform", 1.0, "fan_in", "uniform",
                        "LeCun uniform: variance_scaling(1.0, 'fan_in', 'uniform').")
lecun_normal = _preset("lecun_normal", 1.0, "fan_in", "truncated_normal",
                       "LeCun normal: variance_scaling(1.0, 'fan_in', 'truncated_normal').")
he_uniform = _preset("he_uniform", 2.0, "fan_in", "uniform",
                     "He/Kaiming uniform: variance_scaling(2.0, 'fan_in', 'uniform').")
he_normal = _preset("he_normal", 2.0, "fan_in", "truncated_normal",
                    "He/Kaiming normal: variance_scaling(2.0, 'fan_in', 'truncated_normal').")
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def _check_axis(column_axis, shape):
    if isinstance(column_axis, bool) or not isinstance(column_axis, numbers.Integral) \
            or not -len(shape) <= column_axis < len(shape):
        raise ValueError(f"column_axis={column_axis!r} is not an axis of shape {shape}")


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """(Semi-)orthogonal matrices times ``scale``; the axes other than ``column_axis``
    are flattened into rows.  Real dtypes equal ``fastinit.orthogonal(shape, scale,
    column_axis, seed=, stream=)``.  ``out_sharding=`` works (JAX's raises
    NotImplementedError): the matrix is made once on the host and sliced.

    >>> w = orthogonal()(jax.random.key(0), (3, 5), jnp.float32)
    >>> bool(jnp.abs(w @ w.T - jnp.eye(3)).max() < 1e-5)
    True
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "orthogonal")
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        _check_axis(column_axis, shape)
        value, factor = _scalar(scale)

        def draw(seed, stream, sub, global_shape, start):
            if math.prod(shape) == 0:
                return np.zeros(shape, dt)
            return _orthogonal_host(shape, dt, column_axis, seed, stream, value)
        return _run(key, shape, dt, draw, out_sharding, factor, whole_only=True)
    return init


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1,
                     dtype: Any = None) -> Initializer:
    """Delta orthogonal kernels (3-D, 4-D or 5-D, ``shape[-1] >= shape[-2]``): zeros
    except the spatial centre ``(k - 1) // 2``, which holds ``orthogonal(scale,
    column_axis)`` of shape ``shape[-2:]`` drawn from the same key.

    >>> w = delta_orthogonal()(jax.random.key(0), (3, 3, 4), jnp.float32)
    >>> float(jnp.abs(w[0]).max()), bool(jnp.abs(w[1] @ w[1].T - jnp.eye(3)).max() < 1e-5)
    (0.0, True)
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dt = _shape(shape), _dtype(dtype, "delta_orthogonal")
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        _check_axis(column_axis, shape[-2:])
        value, factor = _scalar(scale)

        def draw(seed, stream, sub, global_shape, start):
            w = np.zeros(shape, dt)
            if math.prod(shape[-2:]):
                w[tuple((k - 1) // 2 for k in shape[:-2])] = _orthogonal_host(
                    shape[-2:], dt, column_axis, seed, stream, value)
            return w
        return _run(key, shape, dt, draw, out_sharding, factor, whole_only=True)
    return init
