"""Keras 3 initializers backed by fastinit::

    import fastinit.keras
    keras.layers.Dense(4, kernel_initializer=fastinit.keras.GlorotUniform(seed=1))

The same classes, arguments, fans (``compute_fans``, ``input_axes``/``output_axes``) and
formulas as ``keras.initializers``; ``__call__(shape, dtype=None)`` returns a backend
tensor.  Values are fastinit's counter-based ones: an initializer gives the same values
on every call, like Keras 3's seeded (stateless) initializers.  ``seed=None`` draws
``(seed, stream)`` from fastinit's global generator once, when the initializer is made
(``fastinit.seed(n)`` makes that reproducible); negative integer seeds wrap modulo
``2**64``; a ``keras.random.SeedGenerator`` seed gives new values on every call, as in
Keras.  The variance-scaling classes subclass ``keras.initializers.VarianceScaling``, so
``EinsumDense`` and ``MultiHeadAttention`` pass them their fan axes; the copies these
layers make keep the original's ``(seed, stream)``.  As in Keras, ``distribution="normal"``
of :class:`VarianceScaling` means a truncated normal (``"untruncated_normal"`` is the
plain one), and :class:`TruncatedNormal` cuts at two ``stddev`` around ``mean``.
Samples are made on the host by the catalog and converted with
``keras.ops.convert_to_tensor``; ``Zeros``/``Ones``/``Constant`` take any dtype and
``Constant`` an array value broadcast to the shape.
"""
import math as _math
import numbers as _numbers
from typing import Any

import keras as _keras
import numpy as _np

from .core import seeding as _seeding
from .core.checks import DTYPE_NAMES as _DTYPE_NAMES
from .fans import fans_of as _fans_of
from .presets import PRESETS as _PRESET_ROWS, preset as _row
from . import initializers as _catalog

__all__ = ["Zeros", "Ones", "Constant", "Identity", "RandomUniform", "RandomNormal",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal"]

_register = _keras.saving.register_keras_serializable(package="fastinit")
_FLOATS = _DTYPE_NAMES
_U64 = 1 << 64


def _dtype(dtype):
    return _keras.backend.standardize_dtype(dtype)


def _np_dtype(dtype):
    if dtype == "bfloat16":
        import ml_dtypes
        return _np.dtype(ml_dtypes.bfloat16)
    return _np.dtype(dtype)


def _tensor(array, dtype):
    if dtype == "bfloat16" and _keras.backend.backend() == "torch":
        import torch   # NumPy (ml_dtypes) bfloat16 -> torch bfloat16, bit exact, via uint16
        array = torch.from_numpy(_np.ascontiguousarray(array).view(_np.uint16)).view(
            torch.bfloat16)
    return _keras.ops.convert_to_tensor(array, dtype=dtype)


def _shape(shape):
    return tuple(int(d) for d in shape)


def _full(shape, value, dtype):
    """``value`` (a scalar or an array broadcastable to ``shape``) cast to ``dtype``, as
    Keras's ``ops.cast(value, dtype) * ops.ones(shape, dtype)``: float scalars through
    the catalog, anything else (int/bool dtypes, array values) with NumPy."""
    if dtype in _FLOATS and isinstance(value, _numbers.Real) and not isinstance(value, bool):
        return _catalog.constant(shape, value, dtype=dtype)
    arr = _np.asarray(_keras.ops.convert_to_numpy(value) if hasattr(value, "shape")
                      and not isinstance(value, _np.ndarray) else value)
    try:
        out = _np.broadcast_to(arr.astype(_np_dtype(dtype)), shape)
    except ValueError:
        raise ValueError(f"Constant value of shape {arr.shape} can not be broadcast to the "
                         f"requested shape {shape}.") from None
    return _np.array(out)


@_register
class Zeros(_keras.initializers.Initializer):
    """All zeros (any dtype)."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        return _tensor(_full(_shape(shape), 0, dtype), dtype)


@_register
class Ones(_keras.initializers.Initializer):
    """All ones (any dtype)."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        return _tensor(_full(_shape(shape), 1, dtype), dtype)


@_register
class Constant(_keras.initializers.Initializer):
    """Every element ``value``: a scalar, or an array broadcast to the shape (as Keras)."""

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        return _tensor(_full(_shape(shape), self.value, dtype), dtype)

    def get_config(self):
        return {"value": _keras.saving.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(_keras.saving.deserialize_keras_object(config["value"]))


@_register
class Identity(_keras.initializers.Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return _tensor(_catalog.identity(_shape(shape), self.gain, dtype=dtype), dtype)

    def get_config(self):
        return {"gain": self.gain}


class _ResolvedSeed(int):
    """The concrete seed of an initializer, carrying its stream too.  Keras layers that
    clone an initializer (EinsumDense, MultiHeadAttention) copy ``initializer.seed`` into
    the clone's config; with this the clone keeps the original's stream, so unseeded
    copies stay different from each other and equal to themselves."""

    def __new__(cls, seed, stream):
        obj = super().__new__(cls, seed)
        obj.stream = stream
        return obj


def _check_seed(seed):
    if isinstance(seed, dict):
        seed = _keras.saving.deserialize_keras_object(seed)
    if seed is None or isinstance(seed, _keras.random.SeedGenerator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (_numbers.Integral, _np.integer)):
        raise ValueError("`seed` argument should be an instance of "
                         "`keras.random.SeedGenerator()` or an integer. "
                         f"Received: seed={seed}")
    return seed


class _Random(_keras.initializers.Initializer):
    """Base: holds the user's seed (for get_config) and the resolved (seed, stream).

    ``seed``: an int (negative ones wrap modulo 2**64, two's complement), ``None`` (the
    next stream of fastinit's global generator, drawn once here) or a
    ``keras.random.SeedGenerator`` (each call takes the generator's next state
    ``[s, counter]`` as ``(seed, stream) = (s mod 2**64, counter mod 2**64)``, so calls
    differ, as in Keras)."""

    def __init__(self, seed: Any = None, stream: int = 0) -> None:
        seed = _check_seed(seed)
        if isinstance(seed, _ResolvedSeed):
            seed, stream = int(seed), seed.stream
        self._init_seed, self._init_stream = seed, stream
        if isinstance(seed, _keras.random.SeedGenerator):
            self._seed, self._stream = seed, None
        else:
            self._seed, self._stream = _seeding.resolve(
                None if seed is None else int(seed) % _U64, stream)

    @property
    def seed(self):
        if self._stream is None:
            return self._seed
        return _ResolvedSeed(self._seed, self._stream)

    @property
    def stream(self):
        return self._stream

    def _kw(self, dtype):
        if self._stream is None:
            state = _np.asarray(_keras.ops.convert_to_numpy(self._seed.next())).ravel()
            return {"seed": int(state[0]) % _U64, "stream": int(state[1]) % _U64,
                    "dtype": dtype}
        return {"seed": self._seed, "stream": self._stream, "dtype": dtype}

    def get_config(self):
        return {"seed": _keras.saving.serialize_keras_object(self._init_seed),
                "stream": self._init_stream}


@_register
class RandomUniform(_Random):
    """U[minval, maxval)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None,
                 stream: int = 0) -> None:
        self.minval, self.maxval = minval, maxval
        super().__init__(seed, stream)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        return _tensor(_catalog.uniform(_shape(shape), self.minval, self.maxval,
                                        **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class _MeanStd(_Random):
    """The arguments and config of RandomNormal and TruncatedNormal."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None,
                 stream: int = 0) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed, stream)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_register
class RandomNormal(_MeanStd):
    """N(mean, stddev**2)."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        return _tensor(_catalog.normal(_shape(shape), self.mean, self.stddev,
                                       **self._kw(dtype)), dtype)


@_register
class TruncatedNormal(_MeanStd):
    """N(mean, stddev**2) truncated to ``[mean - 2 stddev, mean + 2 stddev]`` (as Keras)."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        if self.stddev == 0:    # Keras: the mean (as RandomNormal(stddev=0)), not an error
            return _tensor(_catalog.normal(_shape(shape), self.mean, 0.0, **self._kw(dtype)),
                           dtype)
        lo, hi = self.mean - 2 * self.stddev, self.mean + 2 * self.stddev
        return _tensor(_catalog.truncated_normal(_shape(shape), self.mean, self.stddev, lo, hi,
                                                 **self._kw(dtype)), dtype)


def keras_fans(shape, input_axes=None, output_axes=None):
    """Keras's ``compute_fans``: products over ``input_axes``/``output_axes`` (no
    receptive field: the other axes count as batch axes) when both are given, else the
    default layout; both through :func:`fastinit.fans.fans_of`, with Keras's messages."""
    if input_axes is None or output_axes is None:
        return _fans_of(shape)
    nd = len(shape)
    for name, axes in (("input_axes", input_axes), ("output_axes", output_axes)):
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, (_numbers.Integral, _np.integer)) \
                    or not -nd <= a < nd:
                raise ValueError(f"`{name}` must be a list of axes of the weight shape "
                                 f"{tuple(shape)} (rank {nd}). Received: {name}={axes}")
    named = {int(a) % nd for a in (*input_axes, *output_axes)}
    rest = tuple(i for i in range(nd) if i not in named)
    return _fans_of(shape, tuple(int(a) for a in input_axes),
                    tuple(int(a) for a in output_axes), rest)


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")
# set displays built like Keras's own, so the messages print them in the same order
_MODE_SET = {"fan_in", "fan_out", "fan_avg"}
_DISTRIBUTION_SET = {
    "uniform",
    "truncated_normal",
    "untruncated_normal",
}


@_register
class VarianceScaling(_Random, _keras.initializers.VarianceScaling):
    """``scale / max(1, fan)`` (fan_in, fan_out or fan_avg); ``truncated_normal`` (Keras
    also calls it ``normal``): std ``sqrt(scale/fan) / 0.87962566103423978`` cut at 2 std;
    ``untruncated_normal``: std ``sqrt(scale/fan)``; ``uniform``: limit
    ``sqrt(3 scale/fan)``.  A subclass of ``keras.initializers.VarianceScaling``, so
    ``EinsumDense``/``MultiHeadAttention`` hand it their fan axes."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Any = None,
                 input_axes: Any = None, output_axes: Any = None, stream: int = 0) -> None:
        if not isinstance(scale, _numbers.Real) or isinstance(scale, bool) \
                or not scale > 0.0 or not _math.isfinite(scale):
            raise ValueError("Argument `scale` must be positive float. "
                             f"Received: scale={scale}")
        if mode not in _MODES:
            raise ValueError(f"Invalid `mode` argument: {mode}. "
                             f"Please use one of {_MODE_SET}")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        dist = "truncated_normal" if dist == "normal" else dist
        if dist not in _DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution}."
                             f"Please use one of {_DISTRIBUTION_SET}")
        self.scale, self.mode, self.distribution = scale, mode, dist
        self._dist = "normal" if dist == "untruncated_normal" else dist
        self.input_axes, self.output_axes = input_axes, output_axes
        _Random.__init__(self, seed, stream)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = _dtype(dtype)
        shape = _shape(shape)
        fan_in, fan_out = keras_fans(shape, self.input_axes, self.output_axes)
        fans = (max(1, fan_in), max(1, fan_out))    # Keras divides by max(1, fan)
        return _tensor(_catalog.variance_scaling(shape, self.scale, self.mode, self._dist,
                                                 fans=fans, **self._kw(dtype)), dtype)

    def get_config(self):
        return {**_Random.get_config(self), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _Preset(VarianceScaling):
    _SETTINGS = None   # (scale, mode, distribution)

    def __init__(self, seed: Any = None, input_axes: Any = None, output_axes: Any = None,
                 stream: int = 0) -> None:
        scale, mode, dist = self._SETTINGS
        super().__init__(scale, mode, dist, seed=seed, input_axes=input_axes,
                         output_axes=output_axes, stream=stream)

    def get_config(self):
        return {**_Random.get_config(self), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _preset_class(name: str) -> "type[_Preset]":
    """The Keras class of preset ``name`` of :data:`fastinit.presets.PRESETS`
    (``glorot_uniform`` -> ``GlorotUniform``), registered for serialisation."""
    p = _row(name)
    cls = type(p.keras_name, (_Preset,), {
        "__doc__": p.summary + ".", "__module__": __name__,
        "_SETTINGS": (p.scale, p.mode, p.distribution)})
    cls.__qualname__ = p.keras_name
    return _register(cls)


# the classes in table order, named here so type checkers see them (tests/catalog/
# test_initializers.py checks the names against the table)
GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal = (
    _preset_class(p.name) for p in _PRESET_ROWS)


@_register
class Orthogonal(_Random):
    """(Semi-)orthogonal times ``gain``; all axes but the last are flattened (as Keras)."""

    def __init__(self, gain: float = 1.0, seed: Any = None, stream: int = 0) -> None:
        self.gain = gain
        super().__init__(seed, stream)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return _tensor(_catalog.orthogonal(_shape(shape), self.gain, **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


from .diagnosis.keras import lsuv  # noqa: E402  LSUV for Keras models (fastinit.diagnosis.keras)

__all__ += ["lsuv"]
