"""Keras 3 initializers backed by fastinit::

    import fastinit.keras
    keras.layers.Dense(4, kernel_initializer=fastinit.keras.GlorotUniform(seed=1))

The same classes, arguments, fans (``compute_fans``, ``input_axes``/``output_axes``) and
formulas as ``keras.initializers``; ``__call__(shape, dtype=None)`` returns a backend
tensor.  Values are fastinit's counter-based ones: an initializer gives the same values
on every call, like Keras 3's seeded (stateless) initializers.  ``seed=None`` draws
``(seed, stream)`` from fastinit's global generator once, when the initializer is made
(``fastinit.seed(n)`` makes that reproducible).  As in Keras, ``distribution="normal"``
of :class:`VarianceScaling` means a truncated normal (``"untruncated_normal"`` is the
plain one), and :class:`TruncatedNormal` cuts at two ``stddev`` around ``mean``.
Samples are made on the host with NumPy and converted with
``keras.ops.convert_to_tensor``.
"""
import keras as _keras

from . import _seeding
from .fans import compute_fans as _compute_fans
from . import initializers as _catalog

__all__ = ["Zeros", "Ones", "Constant", "Identity", "RandomUniform", "RandomNormal",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal"]

_register = _keras.saving.register_keras_serializable(package="fastinit")


def _dtype(dtype):
    return _keras.backend.standardize_dtype(dtype)


def _tensor(array, dtype):
    if dtype == "bfloat16" and _keras.backend.backend() == "torch":
        from ._backends import torch_from_numpy  # ml_dtypes bfloat16 -> torch, bit exact
        array = torch_from_numpy(array)
    return _keras.ops.convert_to_tensor(array, dtype=dtype)


def _shape(shape):
    return tuple(int(d) for d in shape)


@_register
class Zeros(_keras.initializers.Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        return _tensor(_catalog.zeros(_shape(shape), dtype=dtype), dtype)


@_register
class Ones(_keras.initializers.Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        return _tensor(_catalog.ones(_shape(shape), dtype=dtype), dtype)


@_register
class Constant(_keras.initializers.Initializer):
    """Every element ``value`` (a Python scalar)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        return _tensor(_catalog.constant(_shape(shape), self.value, dtype=dtype), dtype)

    def get_config(self):
        return {"value": self.value}


@_register
class Identity(_keras.initializers.Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return _tensor(_catalog.identity(_shape(shape), self.gain, dtype=dtype), dtype)

    def get_config(self):
        return {"gain": self.gain}


class _Random(_keras.initializers.Initializer):
    """Base: holds the user's seed (for get_config) and the resolved (seed, stream)."""

    def __init__(self, seed=None, stream=0):
        self._init_seed, self._init_stream = seed, stream
        self._seed, self._stream = _seeding.resolve(seed, stream)

    @property
    def seed(self):
        return self._seed

    @property
    def stream(self):
        return self._stream

    def _kw(self, dtype):
        return {"seed": self._seed, "stream": self._stream, "dtype": dtype}

    def get_config(self):
        return {"seed": self._init_seed, "stream": self._init_stream}


@_register
class RandomUniform(_Random):
    """U[minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, stream=0):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed, stream)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        return _tensor(_catalog.uniform(_shape(shape), self.minval, self.maxval,
                                        **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


@_register
class RandomNormal(_Random):
    """N(mean, stddev**2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, stream=0):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed, stream)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        return _tensor(_catalog.normal(_shape(shape), self.mean, self.stddev,
                                       **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_register
class TruncatedNormal(_Random):
    """N(mean, stddev**2) truncated to ``[mean - 2 stddev, mean + 2 stddev]`` (as Keras)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, stream=0):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed, stream)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        lo, hi = self.mean - 2 * self.stddev, self.mean + 2 * self.stddev
        return _tensor(_catalog.truncated_normal(_shape(shape), self.mean, self.stddev, lo, hi,
                                                 **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def keras_fans(shape, input_axes=None, output_axes=None):
    """Keras's ``compute_fans``: products over ``input_axes``/``output_axes`` when both
    are given, else fastinit's :func:`fastinit.fans.compute_fans` (the same rules)."""
    if input_axes is not None and output_axes is not None:
        fan_in = fan_out = 1
        for a in input_axes:
            fan_in *= shape[a]
        for a in output_axes:
            fan_out *= shape[a]
        return int(fan_in), int(fan_out)
    return _compute_fans(shape)


@_register
class VarianceScaling(_Random):
    """``scale / fan`` (fan_in, fan_out or fan_avg); ``truncated_normal`` (Keras also calls
    it ``normal``): std ``sqrt(scale/fan) / 0.87962566103423978`` cut at 2 std;
    ``untruncated_normal``: std ``sqrt(scale/fan)``; ``uniform``: limit
    ``sqrt(3 scale/fan)``."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None, stream=0):
        if not isinstance(distribution, str):
            raise ValueError(f"distribution must be a string, got {distribution!r}")
        dist = distribution.lower()
        dist = {"normal": "truncated_normal", "untruncated_normal": "normal"}.get(dist, dist)
        # validate now, like Keras (scale, mode, distribution)
        _catalog._variance_scaling_args((2, 2), scale, mode, dist, -2, -1, (), None)
        self.scale, self.mode = scale, mode
        self.distribution = "untruncated_normal" if dist == "normal" else dist
        self._dist = dist
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed, stream)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        shape = _shape(shape)
        fans = keras_fans(shape, self.input_axes, self.output_axes)
        return _tensor(_catalog.variance_scaling(shape, self.scale, self.mode, self._dist,
                                                 fans=fans, **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _Preset(VarianceScaling):
    _SETTINGS = None   # (scale, mode, distribution)

    def __init__(self, seed=None, input_axes=None, output_axes=None, stream=0):
        scale, mode, dist = self._SETTINGS
        super().__init__(scale, mode, dist, seed=seed, input_axes=input_axes,
                         output_axes=output_axes, stream=stream)

    def get_config(self):
        return {"seed": self._init_seed, "stream": self._init_stream,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


@_register
class GlorotUniform(_Preset):
    """U[-limit, limit), ``limit = sqrt(6 / (fan_in + fan_out))``."""
    _SETTINGS = (1.0, "fan_avg", "uniform")


@_register
class GlorotNormal(_Preset):
    """Truncated normal, final std ``sqrt(2 / (fan_in + fan_out))``."""
    _SETTINGS = (1.0, "fan_avg", "truncated_normal")


@_register
class HeUniform(_Preset):
    """U[-limit, limit), ``limit = sqrt(6 / fan_in)``."""
    _SETTINGS = (2.0, "fan_in", "uniform")


@_register
class HeNormal(_Preset):
    """Truncated normal, final std ``sqrt(2 / fan_in)``."""
    _SETTINGS = (2.0, "fan_in", "truncated_normal")


@_register
class LecunUniform(_Preset):
    """U[-limit, limit), ``limit = sqrt(3 / fan_in)``."""
    _SETTINGS = (1.0, "fan_in", "uniform")


@_register
class LecunNormal(_Preset):
    """Truncated normal, final std ``sqrt(1 / fan_in)``."""
    _SETTINGS = (1.0, "fan_in", "truncated_normal")


@_register
class Orthogonal(_Random):
    """(Semi-)orthogonal times ``gain``; all axes but the last are flattened (as Keras)."""

    def __init__(self, gain=1.0, seed=None, stream=0):
        self.gain = gain
        super().__init__(seed, stream)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return _tensor(_catalog.orthogonal(_shape(shape), self.gain, **self._kw(dtype)), dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
