"""fastinit.diagnose and fastinit.keras.lsuv on Keras 3 models (Sequential and functional),
on this process's backend (torch by default); the JAX backend reruns this module in a
subprocess (the backend is fixed when keras is imported)."""
import importlib.util
import json
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch" if importlib.util.find_spec("torch") else "jax")
keras = pytest.importorskip("keras")
BACKEND = keras.backend.backend()
if BACKEND not in ("torch", "jax"):   # pragma: no cover - tensorflow or numpy loaded first
    pytest.skip(f"not run on the {BACKEND} backend", allow_module_level=True)

import fastinit
import fastinit.keras as fk
from keras_rerun import on_jax_backend


def _np(x):
    return x.detach().cpu().numpy() if BACKEND == "torch" else np.asarray(x)


def functional(depth=6, act="relu", init="glorot_uniform"):
    inp = keras.Input((16,))
    h = inp
    for _ in range(depth):
        h = keras.layers.Dense(32, activation=act, kernel_initializer=init)(h)
    a = keras.layers.Dense(32, kernel_initializer=init)(h)
    b = keras.layers.Dense(32, activation="tanh", kernel_initializer=init)(h)
    out = keras.layers.Dense(4, kernel_initializer=init)(keras.layers.Add()([a, b]))
    return keras.Model(inp, out)


X = fastinit.normal((24, 16), seed=0)


def test_functional_records_every_layer_call_in_graph_order():
    model = functional()
    rep = fastinit.diagnose(model, X)
    kinds = [s.kind for s in rep.layers]
    assert kinds == ["Dense"] * 8 + ["Add", "Dense"] and len(rep.depth) == 9
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers[1:]])
    outs = probe(X)
    for s, o in zip(rep.layers, outs):      # independent: Keras' own multi-output model
        o = _np(o).astype(np.float64)
        assert s.out_std == pytest.approx(o.std(), rel=1e-6)
        assert s.zero_fraction == pytest.approx((o == 0).mean())
    first = rep.layers[0]
    assert (first.fan_in, first.fan_out) == (16, 32) and first.dead_fraction is not None
    assert rep.layers[7].saturated_fraction is not None        # the tanh Dense
    assert rep.verdict.kind in fastinit.diagnosis.VERDICTS
    json.dumps(rep.to_dict(), allow_nan=False)


def test_gradients_of_a_linear_chain():
    # Dense(kernel = 2 * I, no bias) x 5: activations and gradients grow by exactly 2 per layer
    model = keras.Sequential([keras.Input((8,))] + [
        keras.layers.Dense(8, use_bias=False, kernel_initializer=keras.initializers.Identity(2.0))
        for _ in range(5)])
    x = fastinit.normal((6, 8), seed=1)
    v = fastinit.normal((6, 8), seed=0, stream=1 << 63)
    rep = fastinit.diagnose(model, x)
    for l, s in enumerate(rep.layers, 1):
        assert s.out_std == pytest.approx(2.0 ** l * x.astype(np.float64).std(), rel=1e-5)
        assert s.grad_std == pytest.approx(2.0 ** (5 - l) * v.astype(np.float64).std(), rel=1e-5)
    assert rep.verdict.kind == "stable" and rep.act_growth == pytest.approx(16, rel=1e-5)
    # weight gradient of the last layer: h_4^T v
    h4 = x.astype(np.float64) * 16
    assert rep.layers[-1].weight_grad_std == pytest.approx((h4.T @ v).std(), rel=1e-4)


def test_zeros_symmetric_and_small_normal_vanishing():
    assert fastinit.diagnose(functional(init="zeros"), X).verdict.kind == "symmetric"
    small = keras.initializers.RandomNormal(stddev=0.01, seed=0)
    assert fastinit.diagnose(functional(depth=10, init=small), X).verdict.kind == "vanishing"


def test_lsuv_reaches_the_target_on_every_layer():
    model = functional(depth=8, init=keras.initializers.RandomNormal(stddev=0.01, seed=0))
    res = fk.lsuv(model, X, seed=0, tol=0.05)
    assert res.converged and res.passes == 2 and len(res.units) == 11
    dense = [layer for layer in model.layers[1:] if hasattr(layer, "kernel")]
    probe = keras.Model(model.inputs[0], [layer.input for layer in dense])
    for inp, layer, u in zip(probe(X), dense, res.units):    # pre-activation: x @ kernel
        pre = _np(inp).astype(np.float64) @ _np(layer.kernel.value).astype(np.float64)
        assert abs(pre.std() - 1) <= 0.05
        assert u.name == layer.name and u.std_after == pytest.approx(pre.std(), rel=1e-5)
    assert all(not _np(layer.bias.value).any() for layer in model.layers[1:]
               if getattr(layer, "bias", None) is not None)
    again = functional(depth=8)
    fk.lsuv(again, X, seed=0, tol=0.05)      # another init before: the same result bits
    for a, b in zip(model.weights, again.weights):
        np.testing.assert_array_equal(_np(a.value), _np(b.value))


def test_sequential_conv_and_errors():
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])
    x = fastinit.normal((2, 8, 8, 3), seed=0)
    rep = fastinit.diagnose(model, x)
    conv = rep.layers[0]
    assert conv.units == 4 and conv.positions == 36 and (conv.fan_in, conv.fan_out) == (27, 36)
    assert fk.lsuv(model, x).converged

    class Sub(keras.Model):
        def call(self, x):
            return x
    with pytest.raises(TypeError, match="functional"):
        fastinit.diagnose(Sub(), x)
    with pytest.raises(ValueError, match="tol"):
        fk.lsuv(model, x, tol=0)
    with pytest.raises(ValueError, match="no layer with a kernel"):
        fk.lsuv(keras.Sequential([keras.Input((3,)), keras.layers.ReLU()]), np.ones((1, 3)))


def test_attention_embedding_and_ops():
    inp = keras.Input((6,), dtype="int32")
    h = keras.layers.Embedding(20, 16)(inp)
    a = keras.layers.MultiHeadAttention(2, 8)(h, h)
    h = keras.layers.LayerNormalization()(h + a)          # h + a: an op node, not a layer
    model = keras.Model(inp, keras.layers.Dense(20)(h))
    ids = (np.arange(24).reshape(4, 6) % 20).astype("int32")
    rep = fastinit.diagnose(model, ids)
    assert [s.kind for s in rep.layers] == ["Embedding", "MultiHeadAttention", "Add",
                                            "LayerNormalization", "Dense"]
    assert rep.layers[-1].grad_std == pytest.approx(
        float(fastinit.normal((4, 6, 20), seed=0, stream=1 << 63).std()), rel=1e-5)
    res = fk.lsuv(model, ids)
    assert [u.name for u in res.units] == [model.layers[i].name for i in (1, 2, 4)]
    assert res.converged
    probe = keras.Model(model.inputs[0], [model.layers[i].output for i in (1, 2)])
    for o in probe(ids):             # the embedding's and the attention's outputs
        assert abs(_np(o).astype(np.float64).std() - 1) <= 0.1


test_on_jax_backend = on_jax_backend(__file__, BACKEND)
