"""init_module finds the model's own init (init=, model-level init_weights, _init_weights
via apply, reset_parameters) and warns instead of being silently wrong; routing that
captured references cannot bypass; parameters re-created on the meta device; tied
weights under one canonical name; the init plan and build() on plain torch models."""
import functools
import math
import threading
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit
import fastinit.torch as finit
from fastinit.torch import nn_init

S = fastinit.stream_for_name


# ---- a nanoGPT-style model: init only in __init__ (apply + a scaled projection loop) ------
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)


class TinyGPT(nn.Module):
    def __init__(self, n_layer=2, d=32, vocab=200):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.h = nn.ModuleList(Block(d) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.wte.weight = self.lm_head.weight                       # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)


def test_nanogpt_init_module_warns_that_the_scaled_projection_is_lost():
    with pytest.warns(UserWarning, match="c_proj.weight") as rec:
        m = finit.init_module(TinyGPT(n_layer=2), seed=0)
    msg = str(rec[0].message)
    assert "init=" in msg and "build" in msg
    # _init_weights was found and applied: c_fc has the model's 0.02, not Linear's default
    w = finit.normal_(torch.empty(128, 32), 0.0, 0.02, seed=0, stream=S("h.0.c_fc.weight"))
    assert torch.equal(m.h[0].c_fc.weight, w)


def test_nanogpt_build_captures_the_constructor():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = finit.build(TinyGPT, n_layer=2, seed=3)
    assert m.wte.weight is m.lm_head.weight                          # still tied
    assert m.wte.weight.device.type == "cpu" and not m.wte.weight.is_meta
    std = 0.02 / math.sqrt(4)
    for i in range(2):
        ref = finit.normal_(torch.empty(32, 128), 0.0, std, seed=3, stream=S(f"h.{i}.c_proj.weight"))
        assert torch.equal(m.h[i].c_proj.weight, ref)
        assert (m.h[i].c_proj.bias == 0).all() and (m.h[i].ln.weight == 1).all()
    # the tied weight is drawn once, under the first name in module order
    tied = finit.normal_(torch.empty(200, 32), 0.0, 0.02, seed=3, stream=S("wte.weight"))
    assert torch.equal(m.lm_head.weight, tied)
    again = finit.build(TinyGPT, n_layer=2, seed=3)
    deeper = finit.build(TinyGPT, n_layer=3, seed=3)
    sd3 = deeper.state_dict()
    for name, t in m.state_dict().items():
        assert torch.equal(t, again.state_dict()[name]), name
        if "c_proj.weight" not in name:          # its std depends on the depth, by design
            assert torch.equal(t, sd3[name]), name


def test_build_matches_the_constructors_own_distributions():
    stats = pytest.importorskip("scipy.stats")
    torch.manual_seed(0)
    theirs = dict(TinyGPT(n_layer=2, d=64, vocab=2000).named_parameters())
    ours = dict(finit.build(TinyGPT, n_layer=2, d=64, vocab=2000, seed=1).named_parameters())
    assert set(ours) == set(theirs)
    for name, t in theirs.items():
        a, b = ours[name].detach().flatten().numpy(), t.detach().flatten().numpy()
        if np.ptp(b) == 0:
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            assert stats.ks_2samp(a, b).pvalue > 1e-4, name


# ---- model-level entry points --------------------------------------------------------------
class WithInitWeights(nn.Module):
    """torchtitan-style: init lives in a model-level init_weights with a default argument."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.norm = nn.LayerNorm(16)
        self.seen = None

    def init_weights(self, buffer_device=None, std=0.05):
        self.seen = buffer_device
        nn.init.trunc_normal_(self.a.weight, std=std, a=-2 * std, b=2 * std)
        nn.init.zeros_(self.a.bias)


def test_model_level_init_weights_is_found_and_called_with_defaults():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = finit.init_module(WithInitWeights(), seed=2)
    ref = finit.trunc_normal_(torch.empty(16, 16), 0.0, 0.05, -0.1, 0.1, seed=2, stream=S("a.weight"))
    assert torch.equal(m.a.weight, ref) and (m.a.bias == 0).all()
    assert (m.norm.weight == 1).all()                 # left to reset_parameters
    plan = finit.plan(WithInitWeights())
    assert plan["a.weight"].dist == ("truncated_normal", {"mean": 0.0, "std": 0.05,
                                                          "low": -0.1, "high": 0.1})
    assert "init_weights()" in str(plan)


def test_init_argument_and_required_arguments():
    m = finit.init_module(WithInitWeights(), seed=2, init=lambda m: m.init_weights(std=0.5))
    assert float(m.a.weight.abs().max()) <= 1.0 and float(m.a.weight.abs().max()) > 0.5

    class Needs(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)

        def init_weights(self, device):
            pass

    with pytest.raises(TypeError, match="device.*init="):
        finit.init_module(Needs(), seed=0)
    with pytest.raises(TypeError, match="init must be a callable"):
        finit.init_module(Needs(), seed=0, init="init_weights")


class ConvNet(nn.Module):
    """torchvision-style: the init is a loop in __init__ and nothing else."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3)
        self.bn = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, 10)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 0)


def test_fallback_to_per_module_defaults_warns_naming_the_parameters():
    with pytest.warns(UserWarning, match=r"conv.weight \(std .*bn.weight \(const 0 -> const 1\)"):
        finit.init_module(ConvNet(), seed=0)
    m = finit.build(ConvNet, seed=0)                  # the constructor's loop, captured
    ref = finit.kaiming_normal_(torch.empty(32, 3, 3, 3), mode="fan_out", nonlinearity="relu",
                                seed=0, stream=S("conv.weight"))
    assert torch.equal(m.conv.weight, ref) and (m.bn.weight == 0).all()
    assert (m.bn.running_var == 1).all()              # buffers made by the constructor
    with warnings.catch_warnings():                   # a plain model: no warning
        warnings.simplefilter("error")
        finit.init_module(nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64)), seed=0)


# ---- plans -----------------------------------------------------------------------------------
def test_plan_table_tie_and_diff():
    p2, p3 = finit.plan(TinyGPT, n_layer=2), finit.plan(TinyGPT, n_layer=3)
    rule = p2["lm_head.weight"]
    assert rule.name == "wte.weight" and rule.aliases == ("lm_head.weight",)
    assert rule.dist == ("normal", {"mean": 0.0, "std": 0.02})
    assert p2["h.1.c_proj.weight"].dist[1]["std"] == pytest.approx(0.02 / 2)
    text = str(p2)
    assert "wte.weight" in text and "N(0, 0.01)" in text and "lm_head.weight" in text
    changed = {name for name, _, _ in p2.diff(p3)}
    assert {n for n in changed if n.startswith("h.2.")} == {n for n in p3.rules if n.startswith("h.2.")}
    assert {n for n in changed if not n.startswith("h.2.")} == {"h.0.c_proj.weight", "h.1.c_proj.weight"}
    # the plan of a model (its own init entry point) and of the constructor agree here
    assert not finit.plan(WithInitWeights()).diff(finit.plan(WithInitWeights()))
    with pytest.raises(TypeError, match="nn.Module or a callable"):
        finit.plan(3)


def test_build_argument_errors():
    with pytest.raises(TypeError, match="factory"):
        finit.build(3, seed=0)
    with pytest.raises(ValueError, match="device"):
        finit.build(TinyGPT, seed=0, device="meta")
    with pytest.raises(TypeError, match="parallelize"):
        finit.build(TinyGPT, seed=0, parallelize=3)

    class ReadsValues(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.scale = float(self.a.weight.abs().max())     # needs real values

    with pytest.raises(RuntimeError, match="meta device.*init_module"):
        finit.build(ReadsValues, seed=0)


# ---- routing captured references -------------------------------------------------------------
TRUNC = functools.partial(torch.nn.init.trunc_normal_, std=0.02)       # bound at import
from torch.nn.init import orthogonal_ as imported_orthogonal  # noqa: E402


def test_partials_and_imported_functions_are_routed(monkeypatch):
    lin = nn.Linear(64, 32)
    calls = []
    orig = nn_init._fill
    monkeypatch.setattr(nn_init, "_fill", lambda t, *a, **k: (calls.append(a[0]), orig(t, *a, **k))[1])
    with finit.InitMode(lin, seed=5):
        TRUNC(lin.weight)
    assert calls == ["truncated"]                     # one fastinit fill, no rejection loop
    ref = finit.trunc_normal_(torch.empty(32, 64), std=0.02, seed=5, stream=S("weight"))
    assert torch.equal(lin.weight, ref)
    with finit.InitMode(lin, seed=5):
        imported_orthogonal(lin.weight)
    assert torch.equal(lin.weight, finit.orthogonal_(torch.empty(32, 64), seed=5, stream=S("weight")))


def test_routing_leaves_other_threads_alone():
    torch.manual_seed(0)
    expected = torch.nn.init.trunc_normal_(torch.empty(1000), std=0.5)
    got, ready, done = {}, threading.Event(), threading.Event()

    def other():
        ready.wait()
        torch.manual_seed(0)
        got["t"] = TRUNC.func(torch.empty(1000), std=0.5)
        done.set()

    th = threading.Thread(target=other)
    th.start()
    lin = nn.Linear(4, 4)
    with finit.InitMode(lin, seed=1):
        ready.set()
        done.wait(30)
    th.join()
    assert torch.equal(got["t"], expected)


# ---- meta parameters re-created inside the model's own init ------------------------------------
def test_parameters_recreated_by_to_empty_keep_their_names():
    with torch.device("meta"):
        m = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 3))

    def init(model):
        model.to_empty(device="cpu")               # new parameter tensors
        for layer in model:
            nn.init.normal_(layer.weight, std=0.1)
            nn.init.zeros_(layer.bias)

    finit.init_module(m, seed=4, init=init)
    ref = finit.normal_(torch.empty(3, 8), 0.0, 0.1, seed=4, stream=S("1.weight"))
    assert torch.equal(m[1].weight, ref)


def test_parameters_left_on_meta_raise_a_clear_error():
    with torch.device("meta"):
        m = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8))
    with pytest.raises(RuntimeError, match=r"meta device.*0.weight.*to_empty.*build"):
        finit.init_module(m, seed=0)
