import math
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":   # pragma: no cover - another backend was loaded first
    pytest.skip("these tests run with KERAS_BACKEND=torch", allow_module_level=True)

import fastinit
import fastinit.keras as fk


def _np(x):
    if hasattr(x, "value"):          # a keras Variable
        x = x.value
    return x.detach().cpu().numpy()  # torch backend


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
    assert type(a).__module__.startswith("torch") and tuple(a.shape) == shape
    assert str(a.dtype).endswith("float32")
    np.testing.assert_array_equal(_np(a), ref(shape))
    np.testing.assert_array_equal(_np(init(shape)), _np(a))      # same values every call
    clone = type(init).from_config(init.get_config())
    np.testing.assert_array_equal(_np(clone(shape)), _np(a))
    back = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert type(back) is type(init)
    d = init((4, 5), dtype="float64")
    assert str(d.dtype).endswith("float64")


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
