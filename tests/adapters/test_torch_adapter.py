import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit
import fastinit.torch as finit


def _shapes(n, lo, hi, seed, max_dim=9):
    rng = random.Random(seed)
    return [tuple(rng.randint(1, max_dim) for _ in range(rng.randint(lo, hi))) for _ in range(n)]


@pytest.fixture
def captured(monkeypatch):
    """Record the distribution arguments torch and fastinit use, without sampling."""
    log = {"torch": [], "fastinit": []}

    def t_uniform(self, a=0.0, b=1.0, generator=None):
        log["torch"].append(("uniform", (a, b)))
        return self

    def t_normal(self, mean=0.0, std=1.0, generator=None):
        log["torch"].append(("normal", (mean, std)))
        return self

    def f_fill(x, dist, args, *rest, **kw):
        log["fastinit"].append((dist, tuple(args)))
        return x

    monkeypatch.setattr(torch.Tensor, "uniform_", t_uniform)
    monkeypatch.setattr(torch.Tensor, "normal_", t_normal)
    monkeypatch.setattr(finit.nn_init, "_fill", f_fill)
    return log


NONLIN = ["linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu",
          "conv_transpose3d"]


def test_bounds_and_stds_equal_torch_on_random_shapes(captured):
    rng = random.Random(0)
    for shape in _shapes(300, 2, 5, 1):
        t = torch.empty(shape, device="meta")
        gain = rng.uniform(0.1, 3)
        a = rng.choice([0, math.sqrt(5), 0.2, 1])
        mode = rng.choice(["fan_in", "fan_out", "FAN_IN"])
        nl = rng.choice(NONLIN)
        for ours, theirs in [
            (lambda: finit.xavier_uniform_(t, gain, seed=1), lambda: nn.init.xavier_uniform_(t, gain)),
            (lambda: finit.xavier_normal_(t, gain, seed=1), lambda: nn.init.xavier_normal_(t, gain)),
            (lambda: finit.kaiming_uniform_(t, a, mode, nl, seed=1),
             lambda: nn.init.kaiming_uniform_(t, a, mode, nl)),
            (lambda: finit.kaiming_normal_(t, a, mode, nl, seed=1),
             lambda: nn.init.kaiming_normal_(t, a, mode, nl)),
            (lambda: finit.uniform_(t, -gain, a, seed=1), lambda: nn.init.uniform_(t, -gain, a)),
            (lambda: finit.normal_(t, a, gain, seed=1), lambda: nn.init.normal_(t, a, gain)),
        ]:
            ours()
            theirs()
            assert captured["fastinit"][-1] == captured["torch"][-1], shape


def test_trunc_normal_bounds_and_values():
    t = torch.empty(1000, 1000)
    finit.trunc_normal_(t, mean=0.1, std=0.02, a=0.08, b=0.15, seed=3)
    assert t.min() >= 0.08 and t.max() <= 0.15
    finit.trunc_normal_(t, std=0.02, seed=3)
    # a, b are absolute: +-2 is +-100 std here, so effectively untruncated (torch semantics)
    assert float(t.std()) == pytest.approx(0.02, rel=5e-3)
    np.testing.assert_array_equal(
        t.numpy(), fastinit.truncated_normal((1000, 1000), 0.0, 0.02, -2.0, 2.0, seed=3))
    with pytest.warns(UserWarning, match="more than 2 std"):
        finit.trunc_normal_(torch.empty(3), mean=10.0, std=1.0, a=-2.0, b=2.0, seed=1)


def test_sample_statistics_match_torch_formulas():
    t = torch.empty(1000, 1000)
    finit.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", seed=1)
    assert float(t.std()) == pytest.approx(math.sqrt(2 / 1000), rel=5e-3)
    finit.xavier_uniform_(t, gain=2.0, seed=2)
    lim = 2.0 * math.sqrt(6 / 2000)
    assert float(t.abs().max()) <= lim and float(t.std()) == pytest.approx(lim / math.sqrt(3), rel=5e-3)
    finit.xavier_normal_(t, seed=3)   # plain normal, as torch: values beyond 2 std exist
    std = math.sqrt(2 / 2000)
    assert float(t.std()) == pytest.approx(std, rel=5e-3) and float(t.abs().max()) > 3 * std


def test_dirac_and_eye_exact_vs_torch():
    rng = random.Random(3)
    for shape in _shapes(60, 3, 5, 4, max_dim=6):
        groups = rng.choice([g for g in range(1, shape[0] + 1) if shape[0] % g == 0])
        ours, theirs = torch.empty(shape), torch.empty(shape)
        finit.dirac_(ours, groups)
        nn.init.dirac_(theirs, groups)
        assert torch.equal(ours, theirs)
    for shape in _shapes(30, 2, 2, 5):
        ours, theirs = torch.empty(shape), torch.empty(shape)
        assert torch.equal(finit.eye_(ours), nn.init.eye_(theirs))


@pytest.mark.parametrize("shape", [(16, 16), (10, 40), (40, 10), (8, 3, 3, 3), (64, 4, 5)])
def test_orthogonal_torch_layout(shape):
    t = torch.empty(shape)
    finit.orthogonal_(t, gain=2.0, seed=4)
    m = t.reshape(shape[0], -1).double()
    g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    torch.testing.assert_close(g, 4.0 * torch.eye(g.shape[0], dtype=torch.float64), atol=1e-5, rtol=0)
    # torch tensors use torch's LAPACK for the QR, NumPy arrays NumPy's: equal to rounding
    np.testing.assert_allclose(
        t.numpy(), fastinit.orthogonal(shape, 2.0, column_axis=0, seed=4), rtol=0, atol=2e-6)


def test_sparse_zero_counts():
    t = torch.empty(30, 8)
    finit.sparse_(t, 0.25, std=0.1, seed=1)
    assert ((t == 0).sum(0) == math.ceil(0.25 * 30)).all()


def test_constants():
    t = torch.empty(3, 4)
    assert (finit.ones_(t) == 1).all() and (finit.zeros_(t) == 0).all()
    assert (finit.constant_(t, 0.3) == torch.tensor(0.3)).all()


def _torch_error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("ours, theirs", [
    (lambda: finit.xavier_uniform_(torch.empty(5), seed=1), lambda: nn.init.xavier_uniform_(torch.empty(5))),
    (lambda: finit.kaiming_normal_(torch.empty(5), seed=1), lambda: nn.init.kaiming_normal_(torch.empty(5))),
    (lambda: finit.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg", seed=1),
     lambda: nn.init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")),
    (lambda: finit.kaiming_uniform_(torch.empty(3, 3), nonlinearity="gelu", seed=1),
     lambda: nn.init.kaiming_uniform_(torch.empty(3, 3), nonlinearity="gelu")),
    (lambda: finit.kaiming_uniform_(torch.empty(3, 3), a="x", seed=1),
     lambda: nn.init.kaiming_uniform_(torch.empty(3, 3), a="x")),
    (lambda: finit.eye_(torch.empty(3)), lambda: nn.init.eye_(torch.empty(3))),
    (lambda: finit.dirac_(torch.empty(3, 3)), lambda: nn.init.dirac_(torch.empty(3, 3))),
    (lambda: finit.dirac_(torch.empty(3, 3, 3), 2), lambda: nn.init.dirac_(torch.empty(3, 3, 3), 2)),
    (lambda: finit.orthogonal_(torch.empty(3), seed=1), lambda: nn.init.orthogonal_(torch.empty(3))),
    (lambda: finit.sparse_(torch.empty(3), 0.1, seed=1), lambda: nn.init.sparse_(torch.empty(3), 0.1)),
])
def test_torch_errors_reproduced(ours, theirs):
    o_type, o_msg = _torch_error(ours)
    t_type, t_msg = _torch_error(theirs)
    assert o_type is t_type
    assert o_msg.startswith(t_msg)


def test_zero_element_warning_and_seed_or_generator():
    with pytest.warns(UserWarning, match="zero-element"):
        finit.kaiming_uniform_(torch.empty(0, 3), seed=1)
    with pytest.raises(ValueError, match="generator"):
        finit.uniform_(torch.empty(3), 0.0, 1.0, torch.Generator(), seed=1)


def test_drop_in_positional_and_seed():
    a, b = torch.empty(20, 30), torch.empty(20, 30)
    finit.kaiming_uniform_(a, math.sqrt(5), "fan_in", "leaky_relu", seed=9, stream=2)
    finit.kaiming_uniform_(b, math.sqrt(5), "fan_in", "leaky_relu", seed=9, stream=2)
    assert torch.equal(a, b)
    torch.manual_seed(77)          # seed=None draws its seed from torch's generator
    finit.normal_(a)
    torch.manual_seed(77)
    finit.normal_(b)
    assert torch.equal(a, b)
    assert finit.calculate_gain("tanh") == nn.init.calculate_gain("tanh")


# ---- init_module ------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self, extra=False):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.bn = nn.BatchNorm2d(16)
        self.conv_t = nn.ConvTranspose1d(16, 8, 3)
        self.emb = nn.Embedding(50, 32, padding_idx=1)
        self.lstm = nn.LSTM(32, 64, num_layers=2)
        self.gru = nn.GRU(16, 16)
        self.att = nn.MultiheadAttention(64, 4)
        self.att_kv = nn.MultiheadAttention(32, 4, kdim=16, vdim=16, add_bias_kv=True)
        self.norm = nn.LayerNorm(64)
        self.fc = nn.Linear(64, 200)
        if extra:
            self.extra = nn.Linear(200, 10)


def _nan_fill(m):
    with torch.no_grad():
        for p in m.parameters():
            p.fill_(float("nan"))
        for b in m.buffers():
            if b.is_floating_point():
                b.fill_(float("nan"))
    return m


def test_init_module_initialises_everything_reproducibly():
    a = finit.init_module(_nan_fill(Net()), seed=5)
    for name, p in a.named_parameters():
        assert not torch.isnan(p).any(), name
    for name, b in a.named_buffers():
        assert not torch.isnan(b.float()).any(), name
    b = finit.init_module(_nan_fill(Net()), seed=5)
    for (n, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), n
    c = finit.init_module(Net(), seed=6)
    assert not torch.equal(a.fc.weight, c.fc.weight)
    assert (a.emb.weight[1] == 0).all()
    assert (a.att.in_proj_bias == 0).all() and (a.att.out_proj.bias == 0).all()
    assert (a.bn.running_var == 1).all() and (a.bn.running_mean == 0).all()
    assert (a.norm.weight == 1).all() and (a.norm.bias == 0).all()


def test_init_module_matches_torch_default_statistics():
    torch.manual_seed(0)
    ref = Net()
    ours = finit.init_module(Net(), seed=1)
    refp = {n: p.detach() for n, p in ref.named_parameters()}
    for name, p in ours.named_parameters():
        p, r = p.detach(), refp[name]
        if float(r.std()) == 0 or p.numel() == 1:
            assert torch.equal(p, r), name          # constants: exact
            continue
        rel = max(0.05, 4.0 / math.sqrt(p.numel()))   # two std estimates' noise
        assert float(p.std()) == pytest.approx(float(r.std()), rel=rel), name
        assert float(p.abs().max()) <= float(r.abs().max()) * 1.5 + 1e-6, name


def test_init_module_exact_rules():
    m = finit.init_module(Net(), seed=3)
    s = fastinit.stream_for_name
    w = torch.empty_like(m.fc.weight)
    finit.kaiming_uniform_(w, a=math.sqrt(5), seed=3, stream=s("fc.weight"))
    assert torch.equal(w, m.fc.weight)
    bias = fastinit.uniform((200,), -1 / 8, 1 / 8, seed=3, stream=s("fc.bias"))
    np.testing.assert_array_equal(m.fc.bias.detach().numpy(), bias)
    stdv = 1 / 8
    np.testing.assert_array_equal(
        m.lstm.weight_hh_l1.detach().numpy(),
        fastinit.uniform((256, 64), -stdv, stdv, seed=3, stream=s("lstm.weight_hh_l1")))
    x = torch.empty(192, 64)
    finit.xavier_uniform_(x, seed=3, stream=s("att.in_proj_weight"))
    assert torch.equal(x, m.att.in_proj_weight)


def test_adding_a_layer_keeps_the_others():
    a = finit.init_module(Net(), seed=8)
    b = finit.init_module(Net(extra=True), seed=8)
    sa, sb = a.state_dict(), b.state_dict()
    for k, v in sa.items():
        assert torch.equal(v, sb[k]), k
    assert "extra.weight" in sb


def test_meta_device_module():
    with torch.device("meta"):
        m = Net()
    m.to_empty(device="cpu")
    finit.init_module(m, seed=8)
    ref = finit.init_module(Net(), seed=8)
    for (n, x), (_, y) in zip(m.state_dict().items(), ref.state_dict().items()):
        assert torch.equal(x, y), n


def test_init_module_schemes():
    m = finit.init_module(Net(), seed=2, scheme="glorot_uniform")
    fi, fo = 64, 200
    assert float(m.fc.weight.detach().abs().max()) <= math.sqrt(6 / (fi + fo))
    assert (m.fc.bias == 0).all() and (m.lstm.bias_ih_l0 == 0).all()
    assert (m.norm.weight == 1).all()             # 1-D non-bias params keep their rule
    assert (m.emb.weight[1] == 0).all()           # padding row still zero
    calls = []

    def mine(t, *, seed, stream):
        calls.append((seed, stream))
        with torch.no_grad():
            t.fill_(0.5)

    finit.init_module(Net(), seed=4, scheme=mine)
    assert calls and all(s == 4 for s, _ in calls)
    with pytest.raises(ValueError, match="scheme"):
        finit.init_module(Net(), seed=1, scheme="nope")


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_and_unknown_modules():
    t = finit.init_module(nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1,
                                         num_decoder_layers=1, dim_feedforward=32), seed=1)
    w = t.encoder.layers[0].linear1.weight
    assert float(w.detach().abs().max()) <= math.sqrt(6 / (16 + 32))

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.full((4,), float("nan")))
            self.mat = nn.Parameter(torch.full((4, 4), float("nan")))

    with pytest.warns(UserWarning, match="no init code for 2 parameter.s. of Custom"):
        c = finit.init_module(Custom(), seed=1)
    assert (c.scale == 1).all() and not torch.isnan(c.mat).any()


def test_in_place_fill_bumps_version_like_torch_init():
    # a weight saved for backward, then re-initialised: torch.nn.init makes backward
    # fail loudly; fastinit must too (not silently use the new values)
    import torch
    import fastinit.torch as finit
    for init_fn in (torch.nn.init.normal_, lambda t: finit.normal_(t, seed=1)):
        w = torch.ones(3, 3, requires_grad=True)
        y = (w * w).sum()
        v0 = w._version
        init_fn(w)
        assert w._version > v0 and w.is_leaf and w.grad_fn is None
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def _sparse_coo():
    return torch.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))


@pytest.mark.parametrize("call", [
    lambda t: finit.normal_(t, seed=0), lambda t: finit.uniform_(t, seed=0),
    lambda t: finit.trunc_normal_(t, seed=0), lambda t: finit.xavier_uniform_(t, seed=0),
    lambda t: finit.kaiming_normal_(t, seed=0), lambda t: finit.orthogonal_(t, seed=0),
    lambda t: finit.sparse_(t, 0.5, seed=0)])
def test_sparse_layout_is_refused_like_torch(call):
    # torch: NotImplementedError "Could not run 'aten::normal_' with arguments from the
    # 'SparseCPU' backend"; fastinit says the layout is unsupported, not "overlap"
    with pytest.raises(NotImplementedError, match="sparse_coo layout is not supported"):
        call(_sparse_coo())
    with pytest.raises(NotImplementedError):
        nn.init.normal_(_sparse_coo())


def test_inference_tensor_outside_inference_mode_is_refused_like_torch():
    with torch.inference_mode():
        t = torch.zeros(4, 4)
    for call in (lambda: finit.normal_(t, seed=0), lambda: finit.kaiming_uniform_(t, seed=0)):
        with pytest.raises(RuntimeError, match="inference tensor outside InferenceMode"):
            call()
    assert (t == 0).all()            # fastinit refuses before writing (torch writes, then raises)
    for ours, theirs in [(lambda: finit.normal_(t, seed=0), lambda: nn.init.normal_(t)),
                         (lambda: finit.uniform_(t, seed=0), lambda: nn.init.uniform_(t)),
                         (lambda: finit.trunc_normal_(t, seed=0), lambda: nn.init.trunc_normal_(t)),
                         (lambda: finit.kaiming_uniform_(t, seed=0),
                          lambda: nn.init.kaiming_uniform_(t))]:
        o_type, o_msg = _torch_error(ours)
        t_type, t_msg = _torch_error(theirs)
        assert o_type is t_type is RuntimeError
        assert o_msg.startswith("Inplace update to inference tensor outside InferenceMode")
        assert t_msg.startswith("Inplace update to inference tensor outside InferenceMode")
    with torch.inference_mode():                  # inside inference mode torch allows it
        assert finit.normal_(t, seed=0) is t
    assert torch.equal(t, finit.normal_(torch.empty(4, 4), seed=0))
