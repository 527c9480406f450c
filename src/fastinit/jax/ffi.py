"""The XLA FFI custom call behind :mod:`fastinit.jax` on the CPU backend.

One target, ``fastinit_fill``, whose handler is a ctypes function speaking XLA's FFI C
ABI (xla/ffi/api/c_api.h, API 0.x): it views XLA's own output buffer as a NumPy array
and fills it in place with the public catalog (``fastinit.normal_(view, ...)``), so a
jitted initializer writes its result once, with no host array to copy in afterwards
(what ``jax.pure_callback`` costs).  Inputs: the key words (uint32), the block's start
in the global tensor (int32, empty for a whole tensor) and the id of a registered fill
(uint32), the initializer's parameters, so the key stays an input of the program.
Batched calls (``vmap_method="expand_dims"``) fill one block per key.

The structs below are declared by hand, so nothing is trusted blindly: every struct XLA
hands the handler carries its size (``struct_size``), and the handler checks, before
reading a field, that the API's major version is 0 (XLA's promise that fields never
move within a major version) and that each struct is at least as large as the fields it
reads (:data:`NEEDED_SIZES`), plus the buffers' element types and shapes.  The first use
runs one probe call through the handler (a known 4-element fill); if a check fails there
or the values differ, the custom call is never used in this process: traced
initializers fall back to :func:`jax.pure_callback` (the same values, one extra host
copy per call) and a ``RuntimeWarning`` says why.  :func:`status` tells which path is in
use; ``FASTINIT_JAX_FFI=0`` turns the custom call off (no warning).
"""
import ctypes as C
import itertools
import threading
import warnings

import numpy as np

from ..compat import jax as _compat

TARGET = "fastinit_fill"
API_MAJOR = 0            # XLA_FFI_API_MAJOR this module speaks; a new major may move fields
_METADATA, _EXECUTE, _ERR_UNKNOWN = 1, 3, 2
_API_VERSION_AT = 16     # offsetof(XLA_FFI_Api, api_version)
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

# bytes of each struct the handler reads (offset of the last field read + its size); XLA
# hands struct_size = XLA_FFI_STRUCT_SIZE(struct, its last field), which may be larger
NEEDED_SIZES = {
    "XLA_FFI_CallFrame": _CallFrame.rets.offset + C.sizeof(_List),       # 120
    "XLA_FFI_Api": _API_ERROR_CREATE + C.sizeof(C.c_void_p),             # 56
    "XLA_FFI_Api_Version": C.sizeof(_ApiVersion),                        # 24
    "XLA_FFI_Args": C.sizeof(_List),                                     # 40
    "XLA_FFI_Rets": C.sizeof(_List),                                     # 40
    "XLA_FFI_Buffer": C.sizeof(_Buffer),                                 # 48
    "XLA_FFI_Metadata_Extension": C.sizeof(_MetadataExt),                # 32
    "XLA_FFI_Metadata": _Metadata.traits.offset + C.sizeof(C.c_uint32),  # 36
}
# XLA_FFI_DataType codes (xla_data.proto's PrimitiveType) of the buffers
_U32, _S32 = 8, 4
_XLA_DTYPE = {"float16": 10, "float32": 11, "float64": 12, "bfloat16": 16,
              "complex64": 15, "complex128": 18}

_FILLS = {}          # id -> (fill(words, start or None, out), block shape, NumPy dtype)
_IDS = itertools.count(1)
_LOCK = threading.Lock()
_PROBLEMS = []       # what the handler refused (read by the probe and status())


def register(fill, shape, dt):
    """An id for ``fill(words, start, out)`` writing a block of ``shape``/``dt``."""
    with _LOCK:
        ident = next(_IDS) % (1 << 32)
        _FILLS[ident] = (fill, tuple(shape), np.dtype(dt))
    return ident


def _too_small(name, size):
    need = NEEDED_SIZES[name]
    return None if size >= need else f"{name} of {size} bytes, fastinit reads {need}"


def _api_problem(frame):
    """Why ``frame.api`` cannot be used (None when it can): its size and major version."""
    if frame.struct_size < _CallFrame.api.offset + C.sizeof(C.c_void_p) or not frame.api:
        return "no XLA_FFI_Api in the call frame"
    size = C.cast(frame.api, C.POINTER(C.c_size_t))[0]
    version = C.cast(frame.api + _API_VERSION_AT, C.POINTER(_ApiVersion)).contents
    problem = _too_small("XLA_FFI_Api", size) or \
        _too_small("XLA_FFI_Api_Version", version.struct_size)
    if problem is None and version.major != API_MAJOR:
        problem = f"XLA FFI API version {version.major}.{version.minor}, fastinit speaks " \
                  f"{API_MAJOR}.x"
    return problem


def _buffer(ptr, code, what):
    """The XLA_FFI_Buffer at ``ptr`` after checking its size and element type."""
    b = C.cast(ptr, C.POINTER(_Buffer)).contents
    problem = _too_small("XLA_FFI_Buffer", b.struct_size)
    if problem is None and code is not None and b.dtype != code:
        problem = f"{what} has XLA element type {b.dtype}, expected {code}"
    if problem is not None:
        raise _Refused(problem)
    return b


class _Refused(Exception):
    """A struct that is not the layout this module reads."""


def _view(b, dt):
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


def _metadata(frame):
    ext = frame.ext.contents
    problem = _too_small("XLA_FFI_Metadata_Extension", ext.struct_size)
    if problem is None:
        md = C.cast(frame.ext, C.POINTER(_MetadataExt)).contents.metadata.contents
        problem = _too_small("XLA_FFI_Metadata", md.struct_size)
    if problem is not None:
        raise _Refused(problem)
    md.api_version.major, md.api_version.minor = API_MAJOR, 1
    md.traits = 0


def _execute(frame):
    for name, lst, n in (("XLA_FFI_Args", frame.args, 3), ("XLA_FFI_Rets", frame.rets, 1)):
        problem = _too_small(name, lst.struct_size)
        if problem is None and lst.size != n:
            problem = f"{name} holds {lst.size} buffers, expected {n}"
        if problem is not None:
            raise _Refused(problem)
    ident = int(_view(_buffer(frame.args.items[2], _U32, "the fill id"),
                      np.dtype(np.uint32)).reshape(-1)[0])
    fill, shape, dt = _FILLS[ident]
    words = _view(_buffer(frame.args.items[0], _U32, "the key"), np.dtype(np.uint32))
    starts = _view(_buffer(frame.args.items[1], _S32, "the start"), np.dtype(np.int32))
    out = _view(_buffer(frame.rets.items[0], _XLA_DTYPE.get(dt.name), "the result"), dt)
    if out.size == 0:
        return
    if out.shape[out.ndim - len(shape):] != shape:
        raise _Refused(f"result buffer of shape {out.shape}, expected blocks of {shape}")
    words = words.reshape(-1, words.shape[-1])
    outs = out.reshape((-1,) + shape)
    if starts.shape[-1]:
        starts = [tuple(int(s) for s in row) for row in starts.reshape(-1, starts.shape[-1])]
    else:
        starts = [None]
    for i in range(len(outs)):
        fill(words[i if len(words) > 1 else 0], starts[i if len(starts) > 1 else 0], outs[i])


def _handle(frame_ptr):
    frame = frame_ptr.contents
    problem = _too_small("XLA_FFI_CallFrame", frame.struct_size) or _api_problem(frame)
    if problem is not None:
        # without a usable API no error can be returned: the probe sees the note and
        # the custom call is never used (see available())
        _PROBLEMS.append(problem)
        return _error(frame.api, f"fastinit.jax: {problem}") \
            if _api_problem(frame) is None else None
    try:
        if frame.ext and frame.ext.contents.type == _METADATA:
            _metadata(frame)
        elif frame.stage == _EXECUTE:
            _execute(frame)
        return None
    except _Refused as e:
        _PROBLEMS.append(str(e))
        return _error(frame.api, f"fastinit.jax: the XLA FFI structs are not the ones this "
                                 f"version reads: {e}")
    except BaseException as e:  # noqa: BLE001 - reported to XLA, which raises it in Python
        return _error(frame.api, f"fastinit.jax fill failed: {type(e).__name__}: {e}")


_CALLBACK = _HANDLER(_handle)    # kept alive for the life of the process
_TARGET_REGISTERED = False
_AVAILABLE = None                # None: not decided yet; then True/False for the process
_STATUS = "not decided yet (no traced initializer has run on the CPU)"
_DECIDING = threading.Lock()


def _probe(jax):
    """One 4-element fill through the handler (every struct checked on the way): None when
    it wrote what was asked, else why not."""
    import jax.numpy as jnp
    want = np.array([1.5, -2.0, 3.25, 0.0], np.float32)

    def fill(words, start, out):
        out[...] = want
    ident = register(fill, (4,), np.float32)
    del _PROBLEMS[:]
    try:
        with jax.ensure_compile_time_eval():
            got = np.asarray(call(ident, jnp.zeros((4,), jnp.uint32), jnp.zeros((0,), jnp.int32),
                                  (4,), np.float32))
    except Exception as e:  # noqa: BLE001 - any failure means: do not use the custom call
        return _PROBLEMS[-1] if _PROBLEMS else f"{type(e).__name__}: {e}"
    finally:
        _FILLS.pop(ident, None)
    if _PROBLEMS:
        return _PROBLEMS[-1]
    if not np.array_equal(got, want):
        return f"the probe call wrote {got.tolist()}, not {want.tolist()}"
    return None


def _fall_back(reason):
    global _AVAILABLE, _STATUS
    _AVAILABLE, _STATUS = False, f"jax.pure_callback: {reason}"
    warnings.warn(f"fastinit.jax: the XLA FFI custom call is off ({reason}); traced "
                  "initializers use jax.pure_callback instead (the same values, one extra "
                  "host copy per call)", RuntimeWarning, stacklevel=3)


def available():
    """True when traced initializers use the custom call: the default backend is the CPU,
    ``FASTINIT_JAX_FFI`` is not ``0`` and the probe call passed the handler's checks
    (decided once per process; a failure warns once, see :func:`status`)."""
    import jax
    if jax.default_backend() != "cpu":
        return False
    if _AVAILABLE is not None:
        return _AVAILABLE
    with _DECIDING:
        return _AVAILABLE if _AVAILABLE is not None else _decide(jax)


def _decide(jax):
    global _AVAILABLE, _STATUS, _TARGET_REGISTERED
    if _compat.ffi_setting() == "0":
        _AVAILABLE, _STATUS = False, "jax.pure_callback: FASTINIT_JAX_FFI=0"
        return False
    api = _compat.ffi()
    if api is None:
        _fall_back(f"jax {jax.__version__} has no jax.ffi.register_ffi_target/ffi_call")
        return False
    if not _TARGET_REGISTERED:
        try:
            new_capsule = C.pythonapi.PyCapsule_New
            new_capsule.restype = C.py_object
            new_capsule.argtypes = [C.c_void_p, C.c_char_p, C.c_void_p]
            address = C.cast(_CALLBACK, C.c_void_p).value
            api.register_ffi_target(TARGET, new_capsule(address, None, None), platform="cpu")
            _TARGET_REGISTERED = True
        except Exception as e:  # noqa: BLE001
            _fall_back(f"registering the target failed: {type(e).__name__}: {e}")
            return False
    problem = _probe(jax)
    if problem is not None:
        _fall_back(problem)
        return False
    _AVAILABLE = True
    _STATUS = f"XLA FFI custom call (checked: API {API_MAJOR}.x, struct sizes, a probe fill)"
    return True


def status():
    """Which path traced initializers take on the CPU, and why (a line of text)."""
    return _STATUS


def call(ident, words, start, shape, dt):
    """The custom call producing a block of ``shape``/``dt`` (``start``: int32 vector)."""
    import jax
    import jax.numpy as jnp
    f = _compat.ffi().ffi_call(TARGET, jax.ShapeDtypeStruct(shape, dt),
                               vmap_method="expand_dims")
    return f(words, start, jnp.asarray(np.array([ident], np.uint32)))
