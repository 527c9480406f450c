"""Catalog initializers (fastinit's Glorot/He/LeCun/orthogonal) beside NumPy and PyTorch
doing the same work (he_normal and lecun_normal are truncated normals, as in Keras and
JAX: torch does them with ``trunc_normal_``; NumPy has none and is skipped).  The catalog is looked up at setup time, so these are skipped
(NotImplementedError) where it is not available.

Orthogonal is a QR decomposition, so it runs on smaller matrices: 256 x 256 for the
"1M" size and 1024 x 1024 for "16M"."""
import inspect
import math

import numpy as np

from . import _common as c

INITIALIZERS = ["glorot_uniform", "he_normal", "lecun_normal", "orthogonal"]
TRUNCATED_STD = 0.87962566103423978   # std of N(0, 1) truncated to [-2, 2]
ORTHO_SHAPES = {c.M1: (256, 256), c.M16: (1024, 1024)}


def _shape(name, size):
    return ORTHO_SHAPES[size] if name == "orthogonal" else c.shape_of(size)


def _fastinit_call(name, shape, dtype, threads):
    fn = c.catalog(name)
    try:
        sig = inspect.signature(fn)
        kwargs = {"seed": 1, "dtype": dtype}
        if "threads" in sig.parameters:
            kwargs["threads"] = c.n_threads(threads)
        elif threads != "1":
            raise NotImplementedError(f"fastinit.{name} takes no threads= argument")
        sig.bind(shape, **kwargs)
    except (TypeError, ValueError) as e:
        raise NotImplementedError(f"fastinit.{name}: unexpected signature ({e})") from None
    return lambda: fn(shape, **kwargs)


def _numpy_call(name, shape, dtype, threads):
    if threads != "1":
        raise NotImplementedError("numpy.random is single-threaded")
    rng = np.random.default_rng(1)
    fan_in, fan_out = shape[-2], shape[-1]      # Keras layout, 2-d weights
    if name == "glorot_uniform":
        limit = math.sqrt(6.0 / (fan_in + fan_out))

        def run():
            out = rng.random(shape, dtype=dtype)
            out *= 2 * limit
            out -= limit
            return out
        return run
    if name in ("he_normal", "lecun_normal"):
        raise NotImplementedError("NumPy has no truncated normal (fastinit's he_normal and "
                                  "lecun_normal are truncated, as in Keras and JAX)")

    def run():  # orthogonal: QR of a Gaussian matrix, signs fixed by diag(R)
        q, r = np.linalg.qr(rng.standard_normal(shape, dtype=dtype))
        return q * np.sign(np.diag(r))
    return run


def _trunc(init, t, scale):
    """Keras/JAX variance scaling with a truncated normal, in torch: std
    sqrt(scale / fan_in) / 0.8796..., cut at two (pre-correction) std."""
    std = math.sqrt(scale / t.shape[1]) / TRUNCATED_STD
    return init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std)


def _torch_call(name, shape, dtype, threads):
    th = c.need_torch()
    c.torch_threads(threads)
    tdtype = getattr(th, dtype)
    init = th.nn.init
    # torch's layout is (out, in): the transposed shape has the same fans
    tshape = shape[::-1]
    fn = {"glorot_uniform": init.xavier_uniform_,
          "he_normal": lambda t: _trunc(init, t, 2.0),
          "lecun_normal": lambda t: _trunc(init, t, 1.0),
          "orthogonal": init.orthogonal_}[name]
    return lambda: fn(th.empty(tshape, dtype=tdtype))


CALLS = {"fastinit": _fastinit_call, "numpy": _numpy_call, "torch": _torch_call}


class Initializers:
    """New weight tensor from each initializer (allocation included, as in the APIs)."""
    params = [INITIALIZERS, c.DTYPES, c.SIZES, c.THREADS, c.LIBRARIES]
    param_names = ["initializer", "dtype", "size", "threads", "library"]
    timeout = 300

    def setup(self, name, dtype, size, threads, library):
        self.run = CALLS[library](name, _shape(name, size), dtype, threads)

    def time_initializer(self, name, dtype, size, threads, library):
        self.run()


class InitializersMemory:
    params = [INITIALIZERS, c.DTYPES, c.SIZES, c.LIBRARIES]
    param_names = ["initializer", "dtype", "size", "library"]
    timeout = 300

    def setup(self, name, dtype, size, library):
        self.run = CALLS[library](name, _shape(name, size), dtype, "1")

    def peakmem_initializer(self, name, dtype, size, library):
        self.run()
