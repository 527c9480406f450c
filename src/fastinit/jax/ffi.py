"""The XLA FFI custom call behind :mod:`fastinit.jax` on the CPU backend.

One target, ``fastinit_fill``, whose handler is a ctypes function speaking XLA's FFI C
ABI (xla/ffi/api/c_api.h, API 0.x): it views XLA's own output buffer as a NumPy array
and fills it in place with the public catalog (``fastinit.normal_(view, ...)``), so a
jitted initializer writes its result once, with no host array to copy in afterwards
(what ``jax.pure_callback`` costs).  Inputs: the key words (uint32), the block's start
in the global tensor (int32, empty for a whole tensor) and the id of a registered fill
(uint32), the initializer's parameters, so the key stays an input of the program.
Batched calls (``vmap_method="expand_dims"``) fill one block per key.
"""
import ctypes as C
import itertools
import threading

import numpy as np

TARGET = "fastinit_fill"
_METADATA, _EXECUTE, _ERR_UNKNOWN = 1, 3, 2
_API_ERROR_CREATE = 48   # offsetof(XLA_FFI_Api, XLA_FFI_Error_Create)


class _ExtBase(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("type", C.c_int), ("next", C.c_void_p)]


class _ApiVersion(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.c_void_p), ("major", C.c_int),
                ("minor", C.c_int)]


class _Metadata(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("api_version", _ApiVersion),
                ("traits", C.c_uint32), ("state_type_id", C.c_int64)]


class _MetadataExt(C.Structure):
    _fields_ = [("base", _ExtBase), ("metadata", C.POINTER(_Metadata))]


class _Buffer(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.c_void_p), ("dtype", C.c_int),
                ("data", C.c_void_p), ("rank", C.c_int64), ("dims", C.POINTER(C.c_int64))]


class _List(C.Structure):        # XLA_FFI_Args and XLA_FFI_Rets share this layout
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.c_void_p), ("size", C.c_int64),
                ("types", C.c_void_p), ("items", C.POINTER(C.c_void_p))]


class _Attrs(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.c_void_p), ("size", C.c_int64),
                ("types", C.c_void_p), ("names", C.c_void_p), ("attrs", C.c_void_p)]


class _CallFrame(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.POINTER(_ExtBase)),
                ("api", C.c_void_p), ("ctx", C.c_void_p), ("stage", C.c_int),
                ("args", _List), ("rets", _List), ("attrs", _Attrs), ("future", C.c_void_p)]


class _ErrorArgs(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("ext", C.c_void_p), ("message", C.c_char_p),
                ("errc", C.c_int)]


_HANDLER = C.CFUNCTYPE(C.c_void_p, C.POINTER(_CallFrame))
_ERROR_CREATE = C.CFUNCTYPE(C.c_void_p, C.POINTER(_ErrorArgs))

_FILLS = {}          # id -> (fill(words, start or None, out), block shape, NumPy dtype)
_IDS = itertools.count(1)
_LOCK = threading.Lock()


def register(fill, shape, dt):
    """An id for ``fill(words, start, out)`` writing a block of ``shape``/``dt``."""
    with _LOCK:
        ident = next(_IDS) % (1 << 32)
        _FILLS[ident] = (fill, tuple(shape), np.dtype(dt))
    return ident


def _view(ptr, dt):
    b = C.cast(ptr, C.POINTER(_Buffer)).contents
    dims = tuple(b.dims[i] for i in range(b.rank))
    n = int(np.prod(dims, dtype=np.int64))
    if n == 0:
        return np.empty(dims, dt)
    raw = np.ctypeslib.as_array(C.cast(b.data, C.POINTER(C.c_uint8)), shape=(n * dt.itemsize,))
    return raw.view(dt).reshape(dims)


def _error(api, message):
    fn = _ERROR_CREATE(C.cast(api + _API_ERROR_CREATE, C.POINTER(C.c_void_p)).contents.value)
    args = _ErrorArgs(C.sizeof(_ErrorArgs), None, message.encode("utf-8", "replace"),
                      _ERR_UNKNOWN)
    return fn(C.byref(args))


def _handle(frame_ptr):
    frame = frame_ptr.contents
    try:
        if frame.ext and frame.ext.contents.type == _METADATA:
            md = C.cast(frame.ext, C.POINTER(_MetadataExt)).contents.metadata.contents
            md.api_version.major, md.api_version.minor = 0, 1
            md.traits = 0
            return None
        if frame.stage != _EXECUTE:
            return None
        ident = int(_view(frame.args.items[2], np.dtype(np.uint32)).reshape(-1)[0])
        fill, shape, dt = _FILLS[ident]
        words = _view(frame.args.items[0], np.dtype(np.uint32))
        starts = _view(frame.args.items[1], np.dtype(np.int32))
        out = _view(frame.rets.items[0], dt)
        if out.size == 0:
            return None
        words = words.reshape(-1, words.shape[-1])
        outs = out.reshape((-1,) + shape)
        if starts.shape[-1]:
            starts = [tuple(int(s) for s in row) for row in starts.reshape(-1, starts.shape[-1])]
        else:
            starts = [None]
        for i in range(len(outs)):
            fill(words[i if len(words) > 1 else 0], starts[i if len(starts) > 1 else 0],
                 outs[i])
        return None
    except BaseException as e:  # noqa: BLE001 - reported to XLA, which raises it in Python
        return _error(frame.api, f"fastinit.jax fill failed: {type(e).__name__}: {e}")


_CALLBACK = _HANDLER(_handle)    # kept alive for the life of the process
_REGISTERED = None


# jaxlib minor versions whose FFI C structs this module was checked against: the layout
# above is read by hand, so an unchecked jaxlib gets pure_callback (slower, never a crash)
CHECKED_JAXLIB = ("0.10",)


def _checked_jaxlib():
    import os
    setting = os.environ.get("FASTINIT_JAX_FFI", "auto")
    if setting == "0":
        return False
    if setting == "1":
        return True
    try:
        import jaxlib
        version = jaxlib.__version__
    except Exception:
        return False
    return any(version == v or version.startswith(v + ".") for v in CHECKED_JAXLIB)


def available():
    """True when the target is registered and the default backend is the CPU (and the
    jaxlib is one whose FFI layout was checked; ``FASTINIT_JAX_FFI=0/1`` overrides)."""
    global _REGISTERED
    import jax
    if jax.default_backend() != "cpu":
        return False
    if _REGISTERED is None and not _checked_jaxlib():
        _REGISTERED = False
    if _REGISTERED is None:
        try:
            new_capsule = C.pythonapi.PyCapsule_New
            new_capsule.restype = C.py_object
            new_capsule.argtypes = [C.c_void_p, C.c_char_p, C.c_void_p]
            address = C.cast(_CALLBACK, C.c_void_p).value
            jax.ffi.register_ffi_target(TARGET, new_capsule(address, None, None),
                                        platform="cpu")
            _REGISTERED = True
        except Exception:   # an older/newer jaxlib without this FFI: use pure_callback
            _REGISTERED = False
    return _REGISTERED


def call(ident, words, start, shape, dt):
    """The custom call producing a block of ``shape``/``dt`` (``start``: int32 vector)."""
    import jax
    import jax.numpy as jnp
    f = jax.ffi.ffi_call(TARGET, jax.ShapeDtypeStruct(shape, dt), vmap_method="expand_dims")
    return f(words, start, jnp.asarray(np.array([ident], np.uint32)))
