"""Host draws: the catalog call behind each initializer (real, complex, orthogonal)."""
import math

import numpy as np

import fastinit as _fi
from ..catalog.structured import orthogonal_layout, orthonormal
from .args import _COMPLEX_TRUNC_STD, _compute_fans


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

    def matrix(rows, cols):
        n, m = max(rows, cols), min(rows, cols)
        a = _complex_normal(np.dtype(np.complex128), 1.0)(seed, stream, (n, m), None, None)
        return orthonormal(a, rows, cols) * gain
    return orthogonal_layout(shape, column_axis, matrix).astype(dt)
