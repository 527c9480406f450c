"""fastinit.keras against keras.initializers' documented behaviour.  Runs on whichever
Keras backend this process has (torch by default); test_on_jax_backend reruns the module
with KERAS_BACKEND=jax in a subprocess (the backend is fixed when keras is imported)."""
import ast
import importlib.util
import math
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND",
                      "torch" if importlib.util.find_spec("torch") else "jax")
keras = pytest.importorskip("keras")
BACKEND = keras.backend.backend()
if BACKEND not in ("torch", "jax", "numpy"):   # pragma: no cover - tensorflow loaded first
    pytest.skip(f"not run on the {BACKEND} backend", allow_module_level=True)

import fastinit
import fastinit.keras as fk
from keras_rerun import on_jax_backend


def _np(x):
    if isinstance(x, keras.Variable):
        x = x.value
    if BACKEND == "torch":
        return x.detach().cpu().numpy()
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_dense_model_builds_and_calls():
    layer = keras.layers.Dense(4, kernel_initializer=fk.GlorotUniform(seed=1),
                               bias_initializer=fk.Constant(0.5))
    model = keras.Sequential([keras.Input((3,)), layer,
                              keras.layers.Dense(2, kernel_initializer=fk.HeNormal(seed=2))])
    y = model(np.ones((5, 3), np.float32))
    assert tuple(y.shape) == (5, 2)
    np.testing.assert_array_equal(_np(layer.kernel), fastinit.glorot_uniform((3, 4), seed=1))
    assert (_np(layer.bias) == 0.5).all()


CASES = [
    (fk.RandomUniform(-0.3, 0.2, seed=3), lambda s: fastinit.uniform(s, -0.3, 0.2, seed=3)),
    (fk.RandomNormal(0.1, 0.5, seed=3), lambda s: fastinit.normal(s, 0.1, 0.5, seed=3)),
    (fk.TruncatedNormal(0.1, 0.5, seed=3),
     lambda s: fastinit.truncated_normal(s, 0.1, 0.5, 0.1 - 1.0, 0.1 + 1.0, seed=3)),
    (fk.GlorotUniform(seed=3), lambda s: fastinit.glorot_uniform(s, seed=3)),
    (fk.GlorotNormal(seed=3), lambda s: fastinit.glorot_normal(s, seed=3)),
    (fk.HeUniform(seed=3), lambda s: fastinit.he_uniform(s, seed=3)),
    (fk.HeNormal(seed=3), lambda s: fastinit.he_normal(s, seed=3)),
    (fk.LecunUniform(seed=3), lambda s: fastinit.lecun_uniform(s, seed=3)),
    (fk.LecunNormal(seed=3), lambda s: fastinit.lecun_normal(s, seed=3)),
    (fk.VarianceScaling(0.5, "fan_out", "uniform", seed=3),
     lambda s: fastinit.variance_scaling(s, 0.5, "fan_out", "uniform", seed=3)),
    (fk.Orthogonal(1.3, seed=3), lambda s: fastinit.orthogonal(s, 1.3, seed=3)),
    (fk.Zeros(), lambda s: fastinit.zeros(s)),
    (fk.Ones(), lambda s: fastinit.ones(s)),
]


@pytest.mark.parametrize("init, ref", CASES)
def test_values_config_and_repeat_calls(init, ref):
    shape = (3, 3, 4, 6)
    a = init(shape)
    assert keras.ops.is_tensor(a) and tuple(a.shape) == shape
    assert str(a.dtype).endswith("float32")
    np.testing.assert_array_equal(_np(a), ref(shape))
    np.testing.assert_array_equal(_np(init(shape)), _np(a))      # same values every call
    clone = type(init).from_config(init.get_config())
    np.testing.assert_array_equal(_np(clone(shape)), _np(a))
    back = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert type(back) is type(init)
    d = init((4, 5), dtype="float64")
    # float64 where the backend has it (JAX without x64 gives float32, as Keras's own)
    assert str(d.dtype) == str(keras.ops.ones((1,), dtype="float64").dtype)


def test_bounds_follow_keras_formulas():
    from keras.src.initializers.random_initializers import compute_fans
    for shape in [(30, 50), (3, 3, 8, 16), (5, 7, 2, 3, 4), (200,)]:
        fi, fo = compute_fans(shape)
        for cls, lim in [(fk.GlorotUniform, math.sqrt(6 / (fi + fo))),
                         (fk.HeUniform, math.sqrt(6 / fi)), (fk.LecunUniform, math.sqrt(3 / fi))]:
            x = _np(cls(seed=1)(shape))
            assert np.abs(x).max() <= lim and np.abs(x).max() > 0.5 * lim
        for cls, std in [(fk.GlorotNormal, math.sqrt(2 / (fi + fo))), (fk.HeNormal, math.sqrt(2 / fi))]:
            x = _np(cls(seed=1)(shape))
            assert np.abs(x).max() <= 2 * std / 0.87962566103423978 * (1 + 1e-6)


def test_variance_scaling_keras_semantics():
    big = (1000, 1000)
    trunc = _np(fk.VarianceScaling(2.0, "fan_in", "normal", seed=1)(big))   # Keras: normal = truncated
    std = math.sqrt(2 / 1000)
    assert np.abs(trunc).max() <= 2 * std / 0.87962566103423978 * (1 + 1e-6)
    assert trunc.std() == pytest.approx(std, rel=5e-3)
    plain = _np(fk.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=1)(big))
    assert plain.std() == pytest.approx(std, rel=5e-3) and np.abs(plain).max() > 3 * std
    vs = fk.VarianceScaling(1.0, "fan_in", "uniform", seed=2, input_axes=[0, 1], output_axes=[3])
    x = _np(vs((2, 5, 7, 9)))
    assert np.abs(x).max() <= math.sqrt(3 / 10)
    for bad in [dict(scale=0.0), dict(mode="fan"), dict(distribution="cauchy")]:
        with pytest.raises(ValueError):
            fk.VarianceScaling(**bad)


def test_seed_none_and_identity_and_errors():
    fastinit.seed(4)
    a = _np(fk.HeUniform()((6, 6)))
    fastinit.seed(4)
    np.testing.assert_array_equal(_np(fk.HeUniform()((6, 6))), a)
    assert fk.HeUniform().get_config()["seed"] is None
    np.testing.assert_array_equal(_np(fk.Identity(2.0)((3, 4))), 2 * np.eye(3, 4))
    with pytest.raises(ValueError, match="2D"):
        fk.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="two-dimensional"):
        fk.Orthogonal(seed=1)((5,))
    with pytest.raises(TypeError, match="dtype"):
        fk.HeUniform(seed=1)((3, 3), dtype="int32")
    bf = fk.RandomNormal(seed=1)((4, 4), dtype="bfloat16")
    assert str(bf.dtype).endswith("bfloat16")


# ---- fan axes from EinsumDense / MultiHeadAttention ------------------------------------------
def test_variance_scaling_is_a_keras_variance_scaling():
    for cls in [fk.VarianceScaling, fk.GlorotUniform, fk.GlorotNormal, fk.HeUniform,
                fk.HeNormal, fk.LecunUniform, fk.LecunNormal]:
        assert isinstance(cls(seed=1), keras.initializers.VarianceScaling)


def test_einsum_dense_gets_its_fan_axes():
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 16),
                                     kernel_initializer=fk.LecunNormal(seed=0))
    layer.build((None, 10, 32))
    k = _np(layer.kernel)
    # kernel (32, 8, 16): input axis 0, output axes 1 and 2, so fan_in = 32 (not 256)
    want = fastinit.variance_scaling((32, 8, 16), 1.0, "fan_in", "truncated_normal",
                                     fans=(32, 128), seed=0)
    np.testing.assert_array_equal(k, want)
    assert k.std() == pytest.approx(math.sqrt(1 / 32), rel=0.05)


def test_multi_head_attention_copies():
    x = np.ones((1, 3, 16), np.float32)

    def kernels(init):
        mha = keras.layers.MultiHeadAttention(2, 8, kernel_initializer=init)
        mha(x, x)
        return [_np(d.kernel) for d in (mha._query_dense, mha._key_dense, mha._value_dense)]
    fastinit.seed(11)
    q, k, v = kernels(fk.GlorotUniform())
    # unseeded: each copy its own stream; the build-time clone keeps it
    assert not np.array_equal(q, k) and not np.array_equal(k, v) and not np.array_equal(q, v)
    limit = math.sqrt(6 / (16 + 16))   # fans from the axes: (16, 2 * 8)
    assert np.abs(q).max() <= limit and np.abs(q).max() > 0.8 * limit
    fastinit.seed(11)
    np.testing.assert_array_equal(kernels(fk.GlorotUniform())[0], q)   # reproducible
    q, k, _ = kernels(fk.GlorotUniform(seed=4))     # seeded copies share values, as in Keras
    np.testing.assert_array_equal(q, k)


def test_clone_keeps_seed_and_stream():
    init = fk.HeUniform(seed=5, stream=9)
    cfg = init.get_config()
    cfg["seed"] = init.seed                          # what EinsumDense does
    clone = type(init).from_config(cfg)
    np.testing.assert_array_equal(_np(clone((4, 4))), _np(init((4, 4))))
    assert int(init.seed) == 5 and init.stream == 9


# ---- seeds -------------------------------------------------------------------------------
def test_seed_generator_seeds():
    gen = keras.random.SeedGenerator(1337)
    init = fk.RandomNormal(0.0, 1.0, seed=gen)
    a, b = _np(init((64,))), _np(init((64,)))
    assert not np.array_equal(a, b)                   # a new state every call, as in Keras
    # state [seed, counter] -> (seed, stream)
    np.testing.assert_array_equal(a, fastinit.normal((64,), seed=1337, stream=0))
    np.testing.assert_array_equal(b, fastinit.normal((64,), seed=1337, stream=1))
    again = fk.RandomNormal(0.0, 1.0, seed=keras.random.SeedGenerator(1337))
    np.testing.assert_array_equal(_np(again((64,))), a)
    back = keras.initializers.deserialize(keras.initializers.serialize(again))
    assert isinstance(back.seed, keras.random.SeedGenerator)


def test_negative_seeds_wrap():
    np.testing.assert_array_equal(_np(fk.HeNormal(seed=-1)((5, 5))),
                                  fastinit.he_normal((5, 5), seed=2 ** 64 - 1))
    assert not np.array_equal(_np(fk.HeNormal(seed=-2)((5, 5))),
                              _np(fk.HeNormal(seed=-1)((5, 5))))


@pytest.mark.parametrize("bad", ["1", 1.5, True, [1]])
def test_bad_seed_keras_wording(bad):
    with pytest.raises(ValueError) as ours:
        fk.RandomUniform(seed=bad)
    with pytest.raises(ValueError) as theirs:
        keras.initializers.RandomUniform(seed=bad) if not isinstance(bad, bool) else \
            fk.RandomUniform(seed=bad)
    assert str(ours.value) == str(theirs.value)
    assert "`seed` argument should be an instance of `keras.random.SeedGenerator()`" \
        in str(ours.value)


# ---- constants ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "int8", "uint8", "bool", "float16", "float64"])
def test_constants_any_dtype(dtype):
    for init, val in [(fk.Zeros(), 0), (fk.Ones(), 1), (fk.Constant(3), 3)]:
        x = init((2, 3), dtype=dtype)
        assert str(x.dtype) == str(keras.ops.ones((1,), dtype=dtype).dtype)
        want = keras.initializers.get(type(init).__name__)((2, 3), dtype=dtype) \
            if val != 3 else keras.initializers.Constant(3)((2, 3), dtype=dtype)
        np.testing.assert_array_equal(_np(x), _np(want))


def test_constant_array_value():
    value = np.array([1.0, -2.0, 0.5])
    x = _np(fk.Constant(value)((4, 3)))
    np.testing.assert_array_equal(x, np.broadcast_to(value, (4, 3)).astype(np.float32))
    np.testing.assert_array_equal(
        _np(fk.Constant([[1], [2]])((2, 5), dtype="int32")), np.repeat([[1], [2]], 5, axis=1))
    clone = fk.Constant.from_config(fk.Constant(value).get_config())
    np.testing.assert_array_equal(_np(clone((4, 3))), x)
    with pytest.raises(ValueError, match="broadcast"):
        fk.Constant(value)((4, 2))


# ---- errors in Keras's words ------------------------------------------------------------
@pytest.mark.parametrize("bad", [dict(scale=0.0), dict(scale=-1), dict(mode="fan"),
                                 dict(distribution="cauchy")])
def test_variance_scaling_errors_keras_wording(bad):
    with pytest.raises(ValueError) as ours:
        fk.VarianceScaling(**bad)
    with pytest.raises(ValueError) as theirs:
        keras.initializers.VarianceScaling(**bad)
    # the same words; a set display's order varies between processes, so compare sets
    ours, theirs = str(ours.value).split("{"), str(theirs.value).split("{")
    assert ours[0] == theirs[0]
    if len(theirs) > 1:
        assert ast.literal_eval("{" + ours[1]) == ast.literal_eval("{" + theirs[1])


def test_bad_fan_axes_are_value_errors():
    with pytest.raises(ValueError, match="input_axes"):
        fk.VarianceScaling(input_axes=[5], output_axes=[0])((3, 4))
    with pytest.raises(ValueError, match="output_axes"):
        fk.GlorotUniform(seed=1, input_axes=[0], output_axes=[-3])((3, 4))


test_on_jax_backend = on_jax_backend(__file__, BACKEND)


def test_truncated_normal_stddev_zero_is_the_mean_like_keras():
    ours = _np(fk.TruncatedNormal(mean=0.25, stddev=0, seed=1)((3, 4)))
    theirs = _np(keras.initializers.TruncatedNormal(mean=0.25, stddev=0, seed=1)((3, 4)))
    normal = _np(fk.RandomNormal(mean=0.25, stddev=0, seed=1)((3, 4)))
    assert np.array_equal(ours, theirs) and np.array_equal(ours, normal)
    assert ours.dtype == theirs.dtype and (ours == np.float32(0.25)).all()
