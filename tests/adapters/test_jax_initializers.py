"""fastinit.jax against jax.nn.initializers' documented behaviour (names, signatures,
dtypes, fans, statistics, errors, transformations) and against the catalog (values)."""
import doctest
import inspect
import math
import os
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy
JI = jax.nn.initializers

import fastinit
import fastinit.jax as fj

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = jax.random.key(42)


def _np(x):
    return np.asarray(x)


def test_doctests():
    res = doctest.testmod(fj.initializers, extraglobs={"jax": jax, "jnp": jnp})
    assert res.attempted >= 10 and res.failed == 0


# ---- names and signatures ---------------------------------------------------------------------
def test_same_names_as_jax():
    public = {n for n in dir(JI) if not n.startswith("_")}
    assert public <= set(fj.__all__)
    for name in public - {"Initializer"}:
        assert callable(getattr(fj, name)), name


BUILDERS = ["constant", "uniform", "normal", "truncated_normal", "variance_scaling",
            "glorot_uniform", "glorot_normal", "lecun_uniform", "lecun_normal", "he_uniform",
            "he_normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
            "kaiming_normal", "orthogonal", "delta_orthogonal"]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_signature_matches_jax(name):
    ours, theirs = getattr(fj, name), getattr(JI, name)
    assert [p[:2] for p in _params(ours)] == [p[:2] for p in _params(theirs)]
    for (n, _, d1), (_, _, d2) in zip(_params(ours), _params(theirs)):
        if d2 is not inspect.Parameter.empty:
            assert d1 == d2 or (isinstance(d2, float) and math.isclose(d1, d2)), n


@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones_are_initializers(name):
    assert _params(getattr(fj, name)) == _params(getattr(JI, name))
    x = getattr(fj, name)(KEY, (2, 3), jnp.int32)
    assert x.dtype == jnp.int32 and (_np(x) == (name == "ones")).all()
    assert isinstance(getattr(fj, name), fj.Initializer)


def test_init_signature_binds_dtype():
    init = fj.normal(2.0, dtype=jnp.bfloat16)
    params = list(inspect.signature(init).parameters.values())
    assert [p.name for p in params] == ["key", "shape", "dtype", "out_sharding"]
    assert params[2].default is jnp.bfloat16 and params[3].default is None
    assert init(KEY, (3,)).dtype == jnp.bfloat16
    assert isinstance(init, fj.Initializer)


# ---- values: the catalog, keyed -------------------------------------------------------------
SHAPE = (6, 3, 8, 10)


def _catalog_cases():
    return [
        (fj.uniform(3.0), lambda s, **k: fastinit.uniform(s, 0.0, 3.0, **k)),
        (fj.normal(0.5), lambda s, **k: fastinit.normal(s, 0.0, 0.5, **k)),
        (fj.truncated_normal(0.5, lower=-1.0, upper=3.0),
         lambda s, **k: fastinit.truncated_normal(s, 0.0, 0.5, -0.5, 1.5, **k)),
        (fj.glorot_uniform(), fastinit.glorot_uniform),
        (fj.glorot_normal(), fastinit.glorot_normal),
        (fj.he_uniform(), fastinit.he_uniform),
        (fj.he_normal(), fastinit.he_normal),
        (fj.lecun_uniform(), fastinit.lecun_uniform),
        (fj.lecun_normal(), fastinit.lecun_normal),
        (fj.variance_scaling(0.7, "fan_geo_avg", "normal"),
         lambda s, **k: fastinit.variance_scaling(s, 0.7, "fan_geo_avg", "normal", **k)),
        (fj.orthogonal(1.5), lambda s, **k: fastinit.orthogonal(s, 1.5, **k)),
    ]


@pytest.mark.parametrize("i", range(11))
@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_values_equal_catalog(i, dtype):
    init, ref = _catalog_cases()[i]
    if i == 10 and dtype != "float32":
        pytest.skip("orthogonal: float32 is enough")
    key = jax.random.PRNGKey(7)
    x = init(key, SHAPE, jnp.dtype(dtype))
    assert x.shape == SHAPE and x.dtype == jnp.dtype(dtype)
    np.testing.assert_array_equal(_np(x), ref(SHAPE, seed=7, stream=0, dtype=dtype))
    # typed key with the same data: the same values
    np.testing.assert_array_equal(_np(init(jax.random.key(7), SHAPE, jnp.dtype(dtype))), _np(x))


def test_key_mapping():
    assert fj.seed_stream(jax.random.PRNGKey(12345)) == (12345, 0)
    assert fj.seed_stream(jax.random.key(12345)) == (12345, 0)
    raw = jnp.array([3, 5], jnp.uint32)
    assert fj.seed_stream(raw) == (3 * 2 ** 32 + 5, 0)
    rbg = jax.random.key(9, impl="rbg")
    w = [int(v) for v in _np(jax.random.key_data(rbg))]
    assert fj.seed_stream(rbg) == ((w[0] << 32) | w[1], (w[2] << 32) | w[3])
    seed, stream = fj.seed_stream(rbg)
    np.testing.assert_array_equal(_np(fj.normal(1.0)(rbg, (5, 4))),
                                  fastinit.normal((5, 4), seed=seed, stream=stream))
    a, b = jax.random.split(KEY)
    xa, xb = _np(fj.normal(1.0)(a, (64,))), _np(fj.normal(1.0)(b, (64,)))
    assert not np.array_equal(xa, xb) and abs(np.corrcoef(xa, xb)[0, 1]) < 0.5
    np.testing.assert_array_equal(_np(fj.normal(1.0)(a, (64,))), xa)     # deterministic
    folded = jax.random.fold_in(KEY, 1)
    assert not np.array_equal(_np(fj.normal(1.0)(folded, (64,))), xa)


@pytest.mark.parametrize("bad", [0, np.zeros(2, np.float32), jnp.zeros(3, jnp.uint32),
                                 jax.random.split(jax.random.key(0), 2)])
def test_bad_keys(bad):
    with pytest.raises(TypeError, match="key"):
        fj.normal()(bad, (2,))


# ---- dtypes ---------------------------------------------------------------------------------
def test_default_dtype_is_jax_default_float():
    assert fj.he_normal()(KEY, (3, 4)).dtype == JI.he_normal()(KEY, (3, 4)).dtype
    assert fj.zeros(KEY, (2,)).dtype == JI.zeros(KEY, (2,)).dtype
    with jax.enable_x64(True):
        for init, ref in [(fj.he_normal(), JI.he_normal()), (fj.uniform(), JI.uniform())]:
            assert init(KEY, (3, 4)).dtype == ref(KEY, (3, 4)).dtype == jnp.float64
        x = fj.normal(1.0)(jax.random.PRNGKey(3), (5, 5))
        np.testing.assert_array_equal(_np(x), fastinit.normal((5, 5), seed=3, dtype="float64"))
        assert fj.constant(2)(KEY, (2,)).dtype == jnp.float64
    # float64 without x64 is canonicalised like JAX's (float32)
    assert fj.normal()(KEY, (2,), jnp.float64).dtype == JI.normal()(KEY, (2,), jnp.float64).dtype


@pytest.mark.parametrize("init, fn", [(fj.uniform(), "uniform"), (fj.normal(), "normal"),
                                      (fj.he_normal(), "variance_scaling"),
                                      (fj.orthogonal(), "orthogonal")])
def test_integer_dtypes_rejected(init, fn):
    with pytest.raises(ValueError, match=f"dtype argument to `{fn}` must be a float"):
        init(KEY, (3, 3), jnp.int32)


def test_complex_rejected_where_jax_rejects_it():
    for init in [fj.uniform(), fj.truncated_normal()]:
        with pytest.raises(ValueError, match="must be a float dtype"):
            init(KEY, (3, 3), jnp.complex64)
    for init in [JI.uniform(), JI.truncated_normal()]:
        with pytest.raises(ValueError):
            init(KEY, (3, 3), jnp.complex64)


@pytest.mark.slow
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_complex_variance_scaling_matches_jax_statistics(distribution):
    shape, scale = (400, 250), 2.0
    ours = _np(fj.variance_scaling(scale, "fan_in", distribution)(KEY, shape, jnp.complex64))
    theirs = _np(JI.variance_scaling(scale, "fan_in", distribution)(KEY, shape, jnp.complex64))
    assert ours.dtype == np.complex64
    # E|z|^2, the mean, the largest modulus and the phase distribution agree with JAX's
    assert np.mean(abs(ours) ** 2) == pytest.approx(np.mean(abs(theirs) ** 2), rel=0.02)
    assert abs(ours.mean()) < 0.01 * math.sqrt(scale / 400)
    if distribution != "normal":
        assert abs(ours).max() <= abs(theirs).max() * 1.01
        assert abs(ours).max() >= abs(theirs).max() * 0.99
    q = np.histogram(np.angle(ours), bins=8, range=(-np.pi, np.pi))[0] / ours.size
    assert np.allclose(q, 1 / 8, atol=0.005)


def test_complex_normal_and_orthogonal():
    z = _np(fj.normal(2.0)(KEY, (300, 300), jnp.complex128))
    assert z.dtype == np.complex64   # no x64: JAX canonicalises complex128 too
    assert np.mean(abs(z) ** 2) == pytest.approx(4.0, rel=0.02)
    assert z.real.std() == pytest.approx(math.sqrt(2), rel=0.02)
    assert z.imag.std() == pytest.approx(math.sqrt(2), rel=0.02)
    u = _np(fj.orthogonal(dtype=jnp.complex64)(KEY, (4, 6)))
    np.testing.assert_allclose(u @ u.conj().T, np.eye(4), atol=1e-5)
    assert np.abs(u.imag).max() > 0.01


# ---- fans, statistics ---------------------------------------------------------------------
FAN_CASES = [
    ((64, 48), dict()),
    ((3, 3, 16, 32), dict()),
    ((4, 20, 30), dict(batch_axis=0)),
    ((5, 6, 7, 8), dict(in_axis=(0, 1), out_axis=3)),
    ((5, 6, 7, 8), dict(in_axis=1, out_axis=(2, 3), batch_axis=[0])),
    ((10, 12), dict(in_axis=-1, out_axis=-2)),
    ((40,), dict(in_axis=0, out_axis=())),
    ((7, 9), dict(in_axis=(), out_axis=())),
]


@pytest.mark.parametrize("shape, axes", FAN_CASES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg", "fan_geo_avg"])
def test_fans_follow_jax(shape, axes, mode):
    from jax._src.nn.initializers import _compute_fans   # JAX's own, the reference
    fan_in, fan_out = _compute_fans(shape, **axes)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
         "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    limit = math.sqrt(3 * 1.5 / n)
    x = _np(fj.variance_scaling(1.5, mode, "uniform", **axes)(KEY, shape))
    assert np.abs(x).max() <= limit and np.abs(x).max() > 0.8 * limit


def test_statistics():
    big = (500, 400)
    n = _np(fj.normal(0.3)(KEY, big))
    assert n.mean() == pytest.approx(0, abs=0.003) and n.std() == pytest.approx(0.3, rel=0.01)
    u = _np(fj.uniform(2.0)(KEY, big))
    assert u.min() >= 0 and u.max() < 2 and u.mean() == pytest.approx(1.0, rel=0.01)
    t = _np(fj.truncated_normal(1.0, lower=-1.0, upper=0.5)(KEY, big))
    assert t.min() >= -1.0 and t.max() <= 0.5
    ref = _np(JI.truncated_normal(1.0, lower=-1.0, upper=0.5)(KEY, big))
    assert t.mean() == pytest.approx(ref.mean(), abs=0.005)
    assert t.std() == pytest.approx(ref.std(), rel=0.01)
    for name in ["he_normal", "glorot_normal", "lecun_normal", "he_uniform",
                 "glorot_uniform", "lecun_uniform"]:
        ours, theirs = _np(getattr(fj, name)()(KEY, big)), _np(getattr(JI, name)()(KEY, big))
        assert ours.std() == pytest.approx(theirs.std(), rel=0.01), name
        assert np.abs(ours).max() <= np.abs(theirs).max() * 1.001 + 1e-7, name


def test_jnp_scalar_parameters():
    key = jax.random.PRNGKey(1)
    for scalar in [jnp.array(2.0), jnp.float32(2.0), np.float64(2.0), 2]:
        np.testing.assert_array_equal(_np(fj.normal(scalar)(key, (4, 4))),
                                      fastinit.normal((4, 4), 0.0, 2.0, seed=1))
    np.testing.assert_array_equal(_np(fj.variance_scaling(jnp.array(2.0), "fan_in", "uniform")(
        key, (4, 4))), fastinit.he_uniform((4, 4), seed=1))
    np.testing.assert_array_equal(
        _np(fj.truncated_normal(jnp.array(0.5), lower=jnp.array(-1.0))(key, (4, 4))),
        fastinit.truncated_normal((4, 4), 0.0, 0.5, -0.5, 1.0, seed=1))
    # a traced parameter is applied on the device, as JAX does
    f = jax.jit(lambda s, k: fj.normal(s)(k, (4, 4)))
    np.testing.assert_allclose(_np(f(3.0, key)), 3.0 * fastinit.normal((4, 4), seed=1), rtol=1e-6)
    # an array stddev broadcasts, as in JAX
    col = jnp.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(_np(fj.normal(col)(key, (4, 4))),
                               fastinit.normal((4, 4), seed=1) * _np(col), rtol=1e-6)


def test_shapes_including_scalar_and_empty():
    assert fj.normal()(KEY, ()).shape == ()
    assert fj.uniform()(KEY, (0, 3)).shape == (0, 3)
    assert fj.he_normal()(KEY, (0, 4)).shape == (0, 4)
    assert fj.orthogonal()(KEY, (0, 4)).shape == (0, 4)
    assert fj.normal()(KEY, [np.int64(2), 3]).shape == (2, 3)
    assert fj.normal()(KEY, 5).shape == (5,)
    with pytest.raises(TypeError, match="Shapes must be"):
        fj.normal()(KEY, (2.5, 3))


# ---- errors as JAX's -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (7,)])
def test_small_rank_error_with_default_in_axis(shape):
    with pytest.raises(ValueError, match="Can't compute input and output sizes") as ours:
        fj.he_normal()(KEY, shape)
    with pytest.raises(ValueError) as theirs:
        JI.he_normal()(KEY, shape)
    assert str(ours.value) == str(theirs.value)
    # the catalog follows Keras here instead (fan_in = fan_out = n)
    assert fastinit.fans.compute_fans((7,)) == (7, 7)


def test_variance_scaling_errors():
    with pytest.raises(ValueError, match="invalid mode for variance scaling initializer: fan"):
        fj.variance_scaling(1.0, "fan", "uniform")(KEY, (3, 3))
    with pytest.raises(ValueError, match="invalid distribution for variance scaling "
                                         "initializer: cauchy"):
        fj.variance_scaling(1.0, "fan_in", "cauchy")(KEY, (3, 3))


def test_orthogonal_and_delta_orthogonal():
    with pytest.raises(ValueError, match="at least a 2D shape"):
        fj.orthogonal()(KEY, (5,))
    w = _np(fj.orthogonal(2.0, column_axis=0)(KEY, (6, 2, 3)))
    m = np.moveaxis(w, 0, -1).reshape(6, 6)
    np.testing.assert_allclose(m @ m.T, 4 * np.eye(6), atol=1e-5)
    np.testing.assert_array_equal(w, fastinit.orthogonal((6, 2, 3), 2.0, 0, seed=42))
    for shape in [(3, 4, 6), (3, 5, 4, 4), (3, 3, 3, 2, 5)]:
        d = _np(fj.delta_orthogonal(1.5)(KEY, shape))
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        q = d[centre]
        np.testing.assert_allclose(q @ q.T, 2.25 * np.eye(shape[-2]), atol=1e-5)
        assert np.count_nonzero(d) == np.count_nonzero(q)
        np.testing.assert_allclose(q, 1.5 * _np(fj.orthogonal()(KEY, shape[-2:])), rtol=1e-6)
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        fj.delta_orthogonal()(KEY, (3, 3))
    with pytest.raises(ValueError, match="`fan_in` must be less or equal than `fan_out`"):
        fj.delta_orthogonal()(KEY, (3, 5, 4))


# ---- transformations ---------------------------------------------------------------------
def test_jit_traces_the_key_once(route):
    traces = []

    def make(k):
        traces.append(1)
        return fj.he_uniform()(k, (16, 8))
    f = jax.jit(make)
    k1, k2 = jax.random.split(KEY)
    a, b = f(k1), f(k2)
    assert len(traces) == 1                      # one compile: the key is an input
    np.testing.assert_array_equal(_np(a), _np(fj.he_uniform()(k1, (16, 8))))
    np.testing.assert_array_equal(_np(b), _np(fj.he_uniform()(k2, (16, 8))))
    assert not np.array_equal(_np(a), _np(b))
    jaxpr = str(jax.make_jaxpr(make)(k1))
    assert ("fastinit_fill" if route == "ffi" else "pure_callback") in jaxpr
    # every kind of fill through this route equals the eager one
    for init, dt in [(fj.normal(2.0), jnp.complex64), (fj.orthogonal(), jnp.float32),
                     (fj.variance_scaling(1.0, "fan_in", "uniform"), jnp.complex64),
                     (fj.truncated_normal(), jnp.bfloat16), (fj.delta_orthogonal(), None)]:
        shp = (3, 4, 5)
        np.testing.assert_array_equal(_np(jax.jit(lambda k: init(k, shp, dt))(k1)),
                                      _np(init(k1, shp, dt)))
    raw = jax.jit(make)(jax.random.PRNGKey(3))
    np.testing.assert_array_equal(_np(raw), fastinit.he_uniform((16, 8), seed=3))


@pytest.fixture(params=["ffi", "pure_callback"])
def route(request, monkeypatch):
    """Both traced routes: the XLA FFI custom call (CPU) and the pure_callback fallback."""
    if request.param == "pure_callback":
        monkeypatch.setattr(fj.ffi, "available", lambda: False)
    elif not fj.ffi.available():
        pytest.skip("no FFI target on this backend")
    return request.param


def test_vmap_batched_keys(route):
    keys = jax.random.split(KEY, 6).reshape(2, 3)
    init = fj.normal(1.0)
    out = jax.vmap(jax.vmap(lambda k: init(k, (4, 5))))(keys)
    assert out.shape == (2, 3, 4, 5)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(_np(out[i, j]), _np(init(keys[i, j], (4, 5))))
    jitted = jax.jit(jax.vmap(lambda k: fj.glorot_uniform()(k, (3, 3))))(keys[0])
    for j in range(3):
        np.testing.assert_array_equal(_np(jitted[j]), _np(fj.glorot_uniform()(keys[0, j], (3, 3))))
    raw = jax.vmap(lambda k: init(k, (2,)))(jax.random.split(jax.random.PRNGKey(0), 4))
    assert raw.shape == (4, 2) and len({tuple(r) for r in _np(raw).tolist()}) == 4


def test_eval_shape_fills_nothing():
    huge = (1 << 20, 1 << 20)                    # 4 TiB: only abstract evaluation can pass
    out = jax.eval_shape(lambda k: fj.he_normal(dtype=jnp.bfloat16)(k, huge), KEY)
    assert out.shape == huge and out.dtype == jnp.bfloat16
    out = jax.eval_shape(lambda k: fj.orthogonal()(k, (3, 4)), KEY)
    assert out.shape == (3, 4)


def test_flax_linen_jitted_init():
    nn = pytest.importorskip("flax.linen")

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.Dense(16, kernel_init=fj.he_normal(), bias_init=fj.constant(0.1))(x)
            x = nn.Conv(4, (3,), kernel_init=fj.glorot_uniform(), bias_init=fj.zeros)(
                x[..., None])
            return x
    x = jnp.ones((2, 8))
    p_eager = MLP().init(jax.random.key(0), x)
    p_jit = jax.jit(MLP().init)(jax.random.key(0), x)
    assert jax.tree.all(jax.tree.map(lambda a, b: bool((a == b).all()), p_eager, p_jit))
    k = _np(p_jit["params"]["Dense_0"]["kernel"])
    assert k.shape == (8, 16) and np.abs(k).max() <= 2 * math.sqrt(2 / 8) / 0.8796 + 1e-6
    assert (_np(p_jit["params"]["Dense_0"]["bias"]) == np.float32(0.1)).all()
    other = jax.jit(MLP().init)(jax.random.key(1), x)
    assert not np.array_equal(k, _np(other["params"]["Dense_0"]["kernel"]))
    shapes = jax.eval_shape(MLP().init, jax.random.key(0), x)
    assert shapes["params"]["Conv_0"]["kernel"].shape == (3, 1, 4)


def test_flax_nnx():
    nnx = pytest.importorskip("flax.nnx")
    m = nnx.Linear(3, 4, kernel_init=fj.he_normal(), bias_init=fj.zeros, rngs=nnx.Rngs(0))
    want = fj.he_normal()(nnx.Rngs(0).params(), (3, 4), jnp.float32)
    np.testing.assert_array_equal(_np(m.kernel[...]), _np(want))
    lazy = nnx.eval_shape(lambda: nnx.Linear(3, 4, kernel_init=fj.he_normal(),
                                             rngs=nnx.Rngs(0)))
    assert lazy.kernel.shape == (3, 4)
    jitted = nnx.jit(lambda: nnx.Linear(3, 4, kernel_init=fj.he_normal(), rngs=nnx.Rngs(0)))()
    np.testing.assert_array_equal(_np(jitted.kernel[...]), _np(want))


def test_equinox():
    eqx = pytest.importorskip("equinox")

    @eqx.filter_jit
    def make(key):
        k1, k2 = jax.random.split(key)
        lin = eqx.nn.Linear(5, 7, key=k1)
        w = fj.glorot_uniform()(k2, lin.weight.shape)   # equinox weights are (out, in)
        return eqx.tree_at(lambda m: m.weight, lin, w), k2
    lin, k2 = make(KEY)
    np.testing.assert_array_equal(_np(lin.weight), _np(fj.glorot_uniform()(k2, (7, 5))))
    assert lin(jnp.ones(5)).shape == (7,)


# ---- several devices (a subprocess: the device count is fixed when jax starts) ----------------
@pytest.mark.slow
def test_sharded_on_8_host_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8",
               JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        os.path.join(HERE, "jax_sharded_cases.py")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout


def test_bench_rows_tiny():
    from fastinit.tools.bench import jaxinit
    rows = jaxinit.rows(side=32, repeat=1)
    assert [r["name"] for r in rows] == ["jax glorot_uniform 32x32", "jax he_normal 32x32",
                                         "jax normal 32x32"]
    assert all(r["fastinit_ms"] > 0 and r["jax_ms"] > 0 for r in rows)
    assert "speed-up" in jaxinit.table(rows)


def test_ffi_falls_back_when_its_checks_fail(monkeypatch):
    """The FFI structs are read by hand: a struct smaller than what is read falls back to
    pure_callback (same values, a warning), never risks a crash; FASTINIT_JAX_FFI=0
    forces the fallback (more cases in tests/adapters/test_compat.py)."""
    monkeypatch.setattr(fj.ffi, "_AVAILABLE", None)
    monkeypatch.setattr(fj.ffi, "_STATUS", "")
    monkeypatch.setitem(fj.ffi.NEEDED_SIZES, "XLA_FFI_Buffer", 1 << 20)
    with pytest.warns(RuntimeWarning, match="XLA_FFI_Buffer"):
        assert not fj.ffi.available()
    got = jax.jit(lambda k: fj.normal(1.0)(k, (4, 5)))(KEY)
    np.testing.assert_array_equal(_np(got), _np(fj.normal(1.0)(KEY, (4, 5))))
    monkeypatch.setattr(fj.ffi, "_AVAILABLE", None)
    monkeypatch.setenv("FASTINIT_JAX_FFI", "0")
    assert not fj.ffi.available()
