"""fastinit.diagnose on torch modules: the demo's verdicts, hand-computed growth, the
verdict cases, and real model shapes (in-place ops, residuals, attention, tied weights)."""
import json
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit
import fastinit.torch
from fastinit.tools import demo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import TinyLM, resnet_no_bn, tiny_gpt2  # noqa: E402

GRAD_STREAM = 1 << 63
DEMO_WORD = {"saturates": "saturating", "explodes": "exploding", "vanishes": "vanishing",
             "symmetric": "symmetric", "stable": "stable"}


def demo_mlp(scheme, activation, depth, width, weights):
    std = demo._std(scheme, width)
    layers = []
    for z in weights:
        lin = nn.Linear(width, width, bias=False).double()
        with torch.no_grad():       # the demo computes h @ W: torch's weight is W^T
            lin.weight.copy_(torch.from_numpy(std * z).T if std else torch.zeros(width, width))
        layers += [lin, nn.Tanh() if activation == "tanh" else nn.ReLU()]
    return nn.Sequential(*layers)


def test_demo_cases_give_the_demos_verdicts():
    depth, width, batch = 12, 64, 32
    weights = demo.standard_weights(depth, width, 0)
    x = torch.from_numpy(fastinit.normal((batch, width), seed=0, stream=0, dtype="float64"))
    for scheme in demo.SCHEMES:
        for act in demo.ACTIVATIONS:
            expected = demo.verdict(demo.run(scheme, act, depth=depth, width=width,
                                             batch=batch, seed=0, weights=weights), act)
            got = fastinit.diagnose(demo_mlp(scheme, act, depth, width, weights), x)
            assert got.verdict.kind == DEMO_WORD[expected.split()[0].rstrip(":")], (scheme, act, expected)


def permutation_chain(c, depth, n):
    """depth Linear layers, weight c * P_l (P_l a permutation): each layer's output is the
    previous one permuted and scaled by c, so every std is predicted exactly."""
    rng = np.random.default_rng(1)
    layers = []
    for _ in range(depth):
        lin = nn.Linear(n, n, bias=False).double()
        with torch.no_grad():
            lin.weight.copy_(c * torch.eye(n, dtype=torch.float64)[rng.permutation(n)])
        layers.append(lin)
    return nn.Sequential(*layers)


@pytest.mark.parametrize("c,kind", [(2.0, "exploding"), (0.5, "vanishing"), (1.0, "stable")])
def test_linear_chain_growth_is_predicted(c, kind):
    depth, n, batch = 8, 6, 5
    x = torch.from_numpy(fastinit.normal((batch, n), seed=3, stream=9, dtype="float64"))
    v = fastinit.normal((batch, n), seed=0, stream=GRAD_STREAM, dtype="float64")
    rep = fastinit.diagnose(permutation_chain(c, depth, n), x)
    act = [s.out_std for s in rep.layers]
    grad = [s.grad_std for s in rep.layers]
    for l in range(1, depth + 1):   # output of layer l: c**l x permuted; gradient: c**(depth-l) v
        assert act[l - 1] == pytest.approx(c ** l * x.numpy().std(), rel=1e-12)
        assert grad[l - 1] == pytest.approx(c ** (depth - l) * v.std(), rel=1e-12)
        # dLoss/dW_l = g_l^T h_{l-1}: its std from the same permuted, scaled values
    assert rep.act_growth == pytest.approx(c ** (depth - 1), rel=1e-12)
    assert rep.grad_growth == pytest.approx(c ** (depth - 1), rel=1e-12)
    assert rep.verdict.kind == kind


def test_weight_gradients_and_output_gradients_equal_autograd():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)).double()
    x = torch.randn(4, 5, dtype=torch.float64)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rep = fastinit.diagnose(net, x, seed=11)
    assert all(p.grad is None for p in net.parameters()) and net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    h1 = net[0](x)
    h1.retain_grad()
    h2 = net[1](h1)
    h2.retain_grad()
    y = net[2](h2)
    y.backward(torch.from_numpy(fastinit.normal((4, 3), seed=11, stream=GRAD_STREAM,
                                                dtype="float64")))
    s = {r.name: r for r in rep.layers}
    assert s["0"].grad_std == pytest.approx(h1.grad.std(correction=0).item(), rel=1e-12)
    assert s["1"].grad_std == pytest.approx(h2.grad.std(correction=0).item(), rel=1e-12)
    assert s["0"].weight_grad_std == pytest.approx(net[0].weight.grad.std(correction=0).item())
    assert s["2"].weight_grad_std == pytest.approx(net[2].weight.grad.std(correction=0).item())
    assert (s["0"].fan_in, s["0"].fan_out) == (5, 7)
    assert s["0"].weight_std == pytest.approx(net[0].weight.std(correction=0).item())
    assert s["1"].zero_fraction == pytest.approx((h2 == 0).double().mean().item())


def test_all_zero_layers_are_symmetric_but_a_zero_last_layer_is_not():
    net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                        nn.Linear(16, 4))
    x = torch.from_numpy(fastinit.normal((10, 8), seed=0, dtype="float32"))
    for p in net.parameters():
        nn.init.zeros_(p)
    rep = fastinit.diagnose(net, x)
    assert rep.verdict.kind == "symmetric"
    # hidden layers: outputs 0 and gradients 0 (the next weight is 0); the last layer's
    # units get different gradients (the cotangent), so they can drift apart
    assert [s.symmetric for s in rep.layers if s.weighted] == [True, True, False]
    fastinit.torch.init_module(net, seed=0)
    nn.init.zeros_(net[4].weight)        # a zero-initialised last layer (Fixup, ReZero)
    assert fastinit.diagnose(net, x).verdict.kind != "symmetric"
    for p in net.parameters():           # constant, not zero: still symmetric
        nn.init.constant_(p, 0.1)
    assert fastinit.diagnose(net, x).verdict.kind == "symmetric"


def test_relu_net_with_negative_biases_is_dead():
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                        nn.Linear(32, 2))
    fastinit.torch.init_module(net, seed=0)
    x = torch.from_numpy(fastinit.normal((64, 16), seed=1, dtype="float32"))
    assert fastinit.diagnose(net, x).verdict.kind != "dead"
    with torch.no_grad():
        for lin in (net[0], net[2]):     # pre-activations ~N(-8, <1.5): no unit ever fires
            lin.bias.copy_(torch.from_numpy(fastinit.uniform((32,), -9, -7, seed=2)))
    rep = fastinit.diagnose(net, x)
    assert rep.verdict.kind == "dead" and rep.verdict.where == "1"
    assert rep["1"].dead_fraction == 1.0 and rep["1"].verdict.kind == "dead"


def test_inplace_relu_gives_the_same_report():
    def net(inplace):
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=inplace), nn.Conv2d(8, 8, 3),
                             nn.ReLU(inplace=inplace), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))
    x = torch.from_numpy(fastinit.normal((4, 3, 8, 8), seed=0, dtype="float32"))
    a = fastinit.diagnose(net(False), x).to_dict()
    b = fastinit.diagnose(net(True), x).to_dict()
    assert a == b
    conv = a["layers"][0]
    assert conv["units"] == 8 and conv["grad_std"] is not None


def test_residual_attention_and_tied_weights():
    model = fastinit.torch.init_module(TinyLM(), seed=0)
    ids = torch.from_numpy(np.arange(24).reshape(3, 8) % 50)
    rep = fastinit.diagnose(model, ids)
    names = [s.name for s in rep.layers]
    assert names[0] == "emb" and names[-1] == "head" and "blocks.0.attn" in names
    assert rep["head"].tied_to == "emb" and rep["emb"].tied_to is None
    # the tied weight's gradient is the sum over both uses: one number, reported on both
    assert rep["head"].weight_grad_std == rep["emb"].weight_grad_std
    assert rep["blocks.1.attn"].grad_std > 0
    json.dumps(rep.to_dict(), allow_nan=False)


def test_meta_model_materialised_then_diagnosed():
    with torch.device("meta"):
        model = TinyLM()
    with pytest.raises(ValueError, match="meta device"):
        fastinit.diagnose(model, torch.zeros(2, 4, dtype=torch.long))
    model.to_empty(device="cpu")
    model.head.weight = model.emb.weight
    fastinit.torch.init_module(model, seed=0)
    rep = fastinit.diagnose(model, torch.zeros(2, 4, dtype=torch.long))
    assert rep.verdict.kind in fastinit.diagnosis.VERDICTS


def test_train_mode_is_seeded_and_leaves_buffers():
    model = nn.Sequential(nn.Linear(6, 6), nn.BatchNorm1d(6), nn.Dropout(0.5), nn.Linear(6, 2))
    model.eval()
    x = torch.from_numpy(fastinit.normal((16, 6), seed=0, dtype="float32")) * 5 + 3
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    a = fastinit.diagnose(model, x, train=True).to_dict()
    assert a == fastinit.diagnose(model, x, train=True).to_dict()
    assert all(torch.equal(buffers[k], v) for k, v in model.named_buffers())
    assert not model.training
    assert a["layers"][1]["out_std"] == pytest.approx(1.0, abs=1e-3)   # batch statistics
    e = fastinit.diagnose(model, x).to_dict()                          # running: identity
    assert [s["name"] for s in e["layers"]] == ["0", "1", "3"]          # dropout: identity


def test_loss_callable():
    net = nn.Sequential(nn.Linear(4, 3))
    x = torch.ones(2, 4)
    rep = fastinit.diagnose(net, x, loss=lambda y: (y ** 2).sum())
    y = net(x)
    assert rep["0"].grad_std == pytest.approx((2 * y).std(correction=0).item(), rel=1e-6)
    with pytest.raises(ValueError, match="loss must return a one-element tensor"):
        fastinit.diagnose(net, x, loss=lambda y: y)


def test_bad_arguments_name_the_argument():
    net = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="model must be"):
        fastinit.diagnose(object(), torch.ones(1, 2))
    with pytest.raises(ValueError, match="seed"):
        fastinit.diagnose(net, torch.ones(1, 2), seed=-1)
    with pytest.raises(TypeError, match="loss"):
        fastinit.diagnose(net, torch.ones(1, 2), loss=3)
    with pytest.raises(TypeError, match="inputs"):
        fastinit.diagnose(net, [torch.ones(1, 2)])
    with pytest.raises(TypeError, match="inputs"):
        fastinit.diagnose(net, "x")
    with pytest.raises(TypeError, match="variables"):
        fastinit.diagnose(net, torch.ones(1, 2), variables={})


def test_hf_gpt2_from_config():
    model, cfg = tiny_gpt2()
    ids = torch.from_numpy(np.arange(20).reshape(2, 10) % 64)
    rep = fastinit.diagnose(model, ids)
    kinds = {s.kind for s in rep.layers}
    assert {"Embedding", "Conv1D", "LayerNorm", "Linear"} <= kinds
    assert rep["lm_head"].tied_to == "transformer.wte"
    attn = rep["transformer.h.0.attn.c_attn"]
    assert (attn.fan_in, attn.fan_out) == (32, 96)           # Conv1D's (in, out) layout
    assert rep.verdict.kind == "stable"


def test_resnet_without_batchnorm():
    model = resnet_no_bn()
    x = torch.from_numpy(fastinit.normal((4, 3, 8, 8), seed=0, dtype="float32"))
    for name, p in model.named_parameters():
        nn.init.zeros_(p) if name.endswith("bias") else \
            fastinit.torch.normal_(p, std=0.01, seed=0, stream=fastinit.stream_for_name(name))
    assert fastinit.diagnose(model, x).verdict.kind == "vanishing"
    rep = fastinit.diagnose(fastinit.torch.init_module(model, seed=0), x)
    assert rep.verdict.kind == "stable", rep
    conv = rep["2.conv1"]
    assert conv.units == 8 and conv.shape == (4, 8, 8, 8) and conv.positions == 64


def test_timm_resnet_with_zero_init_last():
    timm = pytest.importorskip("timm")
    # timm zero-initialises each block's last batch-norm scale: the branch outputs are 0,
    # but their units get different gradients, so nothing is symmetric
    model = timm.create_model("resnet18", pretrained=False, num_classes=10)
    x = torch.from_numpy(fastinit.normal((2, 3, 32, 32), seed=0, dtype="float32"))
    rep = fastinit.diagnose(model, x)
    assert not any(s.symmetric for s in rep.layers)
    assert rep.verdict.kind not in ("symmetric", "dead")
    assert rep["conv1"].units == 64 and rep["fc"].weighted
    res = fastinit.torch.lsuv_(model, x)
    assert res.passes == 2 and len(res.units) == 21 and res.converged


def test_torchvision_resnet():
    tv = pytest.importorskip("torchvision")
    model = tv.models.resnet18(weights=None, num_classes=10)
    x = torch.from_numpy(fastinit.normal((2, 3, 32, 32), seed=0, dtype="float32"))
    rep = fastinit.diagnose(model, x)
    assert rep["conv1"].units == 64 and rep["fc"].weighted
    assert rep.verdict.kind in fastinit.diagnosis.VERDICTS


def test_underflow_to_zero_is_vanishing_not_symmetric_or_dead():
    # float32, N(0, 0.01^2) weights, 40 ReLU layers of width 32: the signal shrinks ~25x a
    # layer and reaches exact zeros; the units are neither identical nor dead, it vanished
    net = nn.Sequential(*[m for _ in range(40) for m in (nn.Linear(32, 32), nn.ReLU())])
    for name, p in net.named_parameters():
        nn.init.zeros_(p) if name.endswith("bias") else \
            fastinit.torch.normal_(p, std=0.01, seed=0, stream=fastinit.stream_for_name(name))
    rep = fastinit.diagnose(net, torch.from_numpy(fastinit.normal((16, 32), seed=1)))
    assert rep.layers[-1].out_std == 0 and rep.layers[-1].dead_fraction is None
    assert not any(s.symmetric for s in rep.layers)
    assert rep.verdict.kind == "vanishing"
