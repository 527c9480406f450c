"""fastinit.diagnose on Flax NNX and linen modules, fastinit.jax.lsuv on NNX: an MLP and a
CNN, an exact permutation chain, the verdict cases."""
import json

import numpy as np
import pytest

jax = pytest.importorskip("jax")
nnx = pytest.importorskip("flax.nnx")
import jax.numpy as jnp  # noqa: E402

import fastinit  # noqa: E402
import fastinit.jax as fj  # noqa: E402


class MLP(nnx.Module):
    def __init__(self, depth=6, width=16, rngs=None, act=nnx.relu):
        rngs = rngs or nnx.Rngs(0)
        self.layers = nnx.List([nnx.Linear(width, width, rngs=rngs) for _ in range(depth)])
        self.out = nnx.Linear(width, 2, rngs=rngs)
        self.act = act

    def __call__(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
        return self.out(x)


class CNN(nnx.Module):
    def __init__(self, rngs=None):
        rngs = rngs or nnx.Rngs(0)
        self.c1 = nnx.Conv(3, 8, (3, 3), rngs=rngs)
        self.c2 = nnx.Conv(8, 8, (3, 3), strides=2, rngs=rngs)
        self.fc = nnx.Linear(8, 4, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.c1(x))
        x = nnx.relu(self.c2(x))
        return self.fc(x.mean(axis=(1, 2)))


X = jnp.asarray(fastinit.normal((12, 16), seed=0))


def get(v):
    return v.get_value() if hasattr(v, "get_value") else v.value


def put(v, x):
    v.set_value(x) if hasattr(v, "set_value") else setattr(v, "value", x)
XI = jnp.asarray(fastinit.normal((2, 8, 8, 3), seed=0))


def test_nnx_mlp_matches_a_hand_written_forward_and_vjp():
    m = MLP()
    rep = fastinit.diagnose(m, X, seed=5)
    assert [s.name for s in rep.layers] == [f"layers.{i}" for i in range(6)] + ["out"]
    # independent: the same network written out with the modules' arrays
    ws = [(np.asarray(get(l.kernel), np.float64), np.asarray(get(l.bias), np.float64))
          for l in list(m.layers) + [m.out]]

    def net(x, probes):
        hs = []
        for i, (w, b) in enumerate(ws):
            x = x @ w + b + probes[i]
            hs.append(x)
            x = jnp.maximum(x, 0) if i < len(ws) - 1 else x
        return x, hs
    x = jnp.asarray(np.asarray(X, np.float64))
    probes = [jnp.zeros((12, w.shape[1])) for w, _ in ws]
    y, hs = net(x, probes)
    v = jnp.asarray(fastinit.normal((12, 2), seed=5, stream=1 << 63, dtype="float32"))
    g = jax.grad(lambda p: jnp.sum(net(x, p)[0] * v))(probes)
    for s, h, gi in zip(rep.layers, hs, g):
        assert s.out_std == pytest.approx(float(np.std(h)), rel=1e-4)
        assert s.grad_std == pytest.approx(float(np.std(gi)), rel=1e-4)
    assert rep.layers[0].weight_grad_std > 0
    assert (rep.layers[-1].fan_in, rep.layers[-1].fan_out) == (16, 2)
    json.dumps(rep.to_dict(), allow_nan=False)


def test_nnx_mode_is_restored():
    class Drop(nnx.Module):
        def __init__(self):
            self.fc = nnx.Linear(16, 16, rngs=nnx.Rngs(0))
            self.drop = nnx.Dropout(0.5, rngs=nnx.Rngs(1))

        def __call__(self, x):
            return self.drop(self.fc(x))
    m = Drop()
    m.train()
    assert m.drop.deterministic is False
    rep = fastinit.diagnose(m, X)                  # eval mode: dropout off
    assert m.drop.deterministic is False and rep.layers[0].name == "fc"
    fj.lsuv(m, X)
    assert m.drop.deterministic is False


def test_nnx_verdicts():
    m = MLP(depth=12)
    for layer in list(m.layers) + [m.out]:
        put(layer.kernel, jnp.zeros_like(get(layer.kernel)))
    assert fastinit.diagnose(m, X).verdict.kind == "symmetric"
    for i, layer in enumerate(list(m.layers) + [m.out]):
        put(layer.kernel, jnp.asarray(fastinit.normal(get(layer.kernel).shape, std=0.01,
                                                      seed=0, stream=i)))
    assert fastinit.diagnose(m, X).verdict.kind == "vanishing"


def test_nnx_lsuv_mlp_and_cnn():
    for model, x in ((MLP(depth=8), X), (CNN(), XI)):
        res = fj.lsuv(model, x, seed=0, tol=0.05)
        assert res.converged and res.passes == 2
        rep = fastinit.diagnose(model, x)
        for s, u in zip(rep.layers, res.units):     # the layer outputs, measured again
            assert s.name == u.name and abs(s.out_std - 1) <= 0.05
        assert rep.verdict.kind == "stable"
    a, b = MLP(depth=3, rngs=nnx.Rngs(1)), MLP(depth=3, rngs=nnx.Rngs(2))
    fj.lsuv(a, X, seed=3)
    fj.lsuv(b, X, seed=3)                  # other starting weights: the same result bits
    for la, lb in zip(list(a.layers) + [a.out], list(b.layers) + [b.out]):
        np.testing.assert_array_equal(np.asarray(get(la.kernel)), np.asarray(get(lb.kernel)))
        assert not np.asarray(get(la.bias)).any()
    cnn = fastinit.diagnose(CNN(), XI).layers[1]
    assert cnn.positions == 16 and cnn.units == 8 and (cnn.fan_in, cnn.fan_out) == (72, 72)
    with pytest.raises(ValueError, match="max_iter"):
        fj.lsuv(a, X, max_iter=-2)


def test_linen():
    nn = pytest.importorskip("flax.linen")

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x):
            for _ in range(4):
                x = nn.relu(nn.Dense(16)(x))
            return nn.Dense(2)(x)
    net = Net()
    variables = net.init(jax.random.key(0), X)
    rep = fastinit.diagnose(net, X, variables=variables)
    assert [s.name for s in rep.layers] == [f"Dense_{i}" for i in range(5)]
    # the last layer's output gradient is the cotangent itself
    v = fastinit.normal((12, 2), seed=0, stream=1 << 63)
    assert rep.layers[-1].grad_std == pytest.approx(float(v.std()), rel=1e-6)
    k = np.asarray(variables["params"]["Dense_0"]["kernel"], np.float64)
    assert rep.layers[0].out_std == pytest.approx(
        float((np.asarray(X, np.float64) @ k + np.asarray(
            variables["params"]["Dense_0"]["bias"])).std()), rel=1e-5)
    with pytest.raises(TypeError, match="variables"):
        fastinit.diagnose(net, X)
    with pytest.raises(TypeError, match="variables"):
        fj.lsuv(net, X)
    fitted, res = fj.lsuv(net, X, variables=variables, seed=0, tol=0.05)
    assert res.converged and res.passes == 2 and [u.name for u in res.units] == \
        [f"Dense_{i}" for i in range(5)]
    assert fitted["params"]["Dense_0"]["kernel"] is not variables["params"]["Dense_0"]["kernel"]
    after = fastinit.diagnose(net, X, variables=fitted)     # measured again, independently
    for s, u in zip(after.layers, res.units):
        assert abs(s.out_std - 1) <= 0.05 and s.out_std == pytest.approx(u.std_after, rel=1e-4)
    assert not np.asarray(fitted["params"]["Dense_3"]["bias"]).any()
    again, _ = fj.lsuv(net, X, variables=net.init(jax.random.key(7), X), seed=0, tol=0.05)
    for name in fitted["params"]:               # other starting weights: the same bits
        np.testing.assert_array_equal(np.asarray(fitted["params"][name]["kernel"]),
                                      np.asarray(again["params"][name]["kernel"]))
