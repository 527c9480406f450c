"""Running a draw: eager, traced (FFI custom call or pure_callback), sharded."""
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..compat import jax as _jax_compat
from . import ffi as _jax_ffi
from .draws import _fill_into
from .keys import _key_data, _words_to_pair


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
    shard_map = _jax_compat.shard_map()
    return shard_map(body, in_specs=jax.sharding.PartitionSpec(), out_specs=spec, **kw)(words)


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
    if _jax_compat.is_tracer(words):
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
