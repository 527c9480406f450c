"""init_module runs the model's own init code through fastinit: plain torch models,
Hugging Face models (meta and eager), schemes, and the InitMode context manager."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit
import fastinit.torch as finit

S = fastinit.stream_for_name


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.bn = nn.BatchNorm1d(16)
        self.emb = nn.Embedding(300, 16, padding_idx=2)
        self.gru = nn.GRU(16, 32)
        self.att = nn.MultiheadAttention(32, 4, bias=True)
        self.fc = nn.Linear(32, 400)
        self.bil = nn.Bilinear(8, 9, 10)


def test_plain_model_matches_each_reset_parameters_distribution():
    stats = pytest.importorskip("scipy.stats")
    ours = finit.init_module(Net(), seed=4)
    torch.manual_seed(0)
    theirs = Net()
    ref = dict(theirs.named_parameters())
    checked = 0
    for name, p in ours.named_parameters():
        a, b = p.detach().flatten().numpy(), ref[name].detach().flatten().numpy()
        if np.ptp(b) == 0:
            np.testing.assert_array_equal(a, b, err_msg=name)
            continue
        if name == "emb.weight":     # padding row: zero in both
            assert not a.reshape(300, 16)[2].any() and not b.reshape(300, 16)[2].any()
        assert stats.ks_2samp(a, b).pvalue > 1e-4, name
        checked += 1
    assert checked >= 10
    for name, b in ours.named_buffers():
        assert torch.equal(b, dict(theirs.named_buffers())[name]), name


def test_plain_model_bits_are_fastinit_streams():
    m = finit.init_module(Net(), seed=7)
    w = finit.kaiming_uniform_(torch.empty(400, 32), a=math.sqrt(5), seed=7, stream=S("fc.weight"))
    assert torch.equal(m.fc.weight, w)
    x = finit.xavier_uniform_(torch.empty(96, 32), seed=7, stream=S("att.in_proj_weight"))
    assert torch.equal(m.att.in_proj_weight, x)
    # nn.Linear's out_proj inside MHA: MHA's _reset_parameters zeroes the bias,
    # overriding Linear.reset_parameters, as at construction
    assert (m.att.out_proj.bias == 0).all()
    e = finit.normal_(torch.empty(300, 16), seed=7, stream=S("emb.weight"))
    e[2] = 0
    assert torch.equal(m.emb.weight, e)


def test_identical_on_meta_and_eager_and_two_runs():
    with torch.device("meta"):
        meta = Net()
    meta.to_empty(device="cpu")
    a = finit.init_module(meta, seed=1)
    b = finit.init_module(Net(), seed=1)
    for (n, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), n


def test_custom_parameters_warn_briefly_and_get_the_fallback():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.scale = nn.Parameter(torch.full((4,), float("nan")))
            self.proj = nn.Parameter(torch.full((5, 4), float("nan")))

    with pytest.warns(UserWarning) as rec:
        m = finit.init_module(Custom(), seed=1)
    msgs = [str(r.message) for r in rec if "init_module" in str(r.message)]
    assert len(msgs) == 1 and "2 parameter" in msgs[0] and "Custom" in msgs[0]
    assert len(msgs[0]) < 200
    assert (m.scale == 1).all() and not torch.isnan(m.proj).any()


# ---- the mode as a context manager --------------------------------------------------------
def test_init_mode_routes_nn_init_and_tensor_methods():
    m = nn.Sequential(nn.Linear(6, 8), nn.Linear(8, 3))
    orig = nn.init.trunc_normal_.__code__

    def my_init(mod):
        if isinstance(mod, nn.Linear):
            nn.init.trunc_normal_(mod.weight, std=0.5, a=-1.0, b=1.0)
            mod.bias.data.uniform_(-0.1, 0.1)

    with finit.InitMode(m, seed=3) as mode:
        m.apply(my_init)
        assert nn.init.trunc_normal_.__code__ is not orig      # routed while active
        free = torch.empty(5).normal_()
    assert nn.init.trunc_normal_.__code__ is orig           # restored on exit
    w = finit.trunc_normal_(torch.empty(8, 6), 0.0, 0.5, -1.0, 1.0, seed=3, stream=S("0.weight"))
    assert torch.equal(m[0].weight, w)
    b = fastinit.uniform(3, -0.1, 0.1, seed=3, stream=S("1.bias"))
    np.testing.assert_array_equal(m[1].bias.detach().numpy(), b)
    np.testing.assert_array_equal(free.numpy(),
                                  fastinit.normal(5, seed=3, stream=S("fastinit.mode/0")))
    assert mode.seed == 3


def test_init_mode_restores_torch_on_errors_and_nesting():
    fns = (nn.init.trunc_normal_, nn.init.orthogonal_, nn.init.sparse_)
    orig = tuple(f.__code__ for f in fns)
    lin = nn.Linear(4, 4)
    with pytest.raises(KeyError):
        with finit.InitMode(lin, seed=1):
            raise KeyError("boom")
    assert (nn.init.trunc_normal_, nn.init.orthogonal_, nn.init.sparse_) == fns
    assert tuple(f.__code__ for f in fns) == orig
    with finit.InitMode(lin, seed=1):
        with finit.InitMode(lin, seed=2):
            nn.init.orthogonal_(lin.weight)
        inner = lin.weight.detach().clone()
        nn.init.orthogonal_(lin.weight)
    assert (nn.init.trunc_normal_, nn.init.orthogonal_, nn.init.sparse_) == fns
    assert tuple(f.__code__ for f in fns) == orig
    assert torch.equal(inner, finit.orthogonal_(torch.empty(4, 4), seed=2, stream=S("weight")))
    assert torch.equal(lin.weight, finit.orthogonal_(torch.empty(4, 4), seed=1, stream=S("weight")))


def test_init_mode_deferred_fills_keep_torch_semantics():
    # whole-parameter fills wait until the parameter is used: a read in between sees the
    # first fill, an in-place op applies to it, a later fill replaces it
    lin = nn.Linear(6, 5)
    with finit.InitMode(lin, seed=4):
        with torch.no_grad():
            lin.weight.normal_(0.0, 1.0)
            first = lin.weight.clone()
            lin.weight.normal_(0.0, 2.0)
            lin.bias.uniform_(-1.0, 1.0)
            lin.bias.mul_(3.0)
            nn.init.normal_(lin.bias, 0.0, 5.0)
            nn.init.normal_(lin.bias, 0.0, 7.0)
    ref = fastinit.normal((5, 6), seed=4, stream=S("weight"))
    np.testing.assert_array_equal(first.numpy(), ref)
    np.testing.assert_allclose(lin.weight.detach().numpy(), 2.0 * ref, rtol=1e-6)
    np.testing.assert_allclose(lin.bias.detach().numpy(),
                               7.0 * fastinit.normal(5, seed=4, stream=S("bias")), rtol=1e-6)
    calls = []
    orig = finit.nn_init._fill
    try:
        finit.nn_init._fill = lambda t, *a, **k: (calls.append(tuple(t.shape)), orig(t, *a, **k))[1]
        with finit.InitMode(lin, seed=4):
            nn.init.normal_(lin.weight, 0.0, 1.0)
            nn.init.normal_(lin.weight, 0.0, 0.5)        # replaces the first: one fill
    finally:
        finit.nn_init._fill = orig
    assert calls == [(5, 6)]


def test_init_mode_view_of_a_parameter_gets_its_slice():
    lin = nn.Linear(10, 6)
    with finit.init_mode(lin, seed=2):
        with torch.no_grad():
            lin.weight[:, :4].normal_(0.0, 1.0)
            lin.weight[:, 4:].normal_(0.0, 3.0)
    whole = fastinit.normal((6, 10), seed=2, stream=S("weight"))
    got = lin.weight.detach().numpy()
    np.testing.assert_array_equal(got[:, :4], whole[:, :4])
    np.testing.assert_allclose(got[:, 4:], 3.0 * whole[:, 4:], rtol=1e-6)


# ---- schemes ------------------------------------------------------------------------------
def test_scheme_callable_with_name_and_mapping():
    seen = []

    def rule(t, *, seed, stream, name):
        seen.append(name)
        if name.endswith("bias"):
            return NotImplemented                       # leave it to the model
        return finit.normal_(t, 0.0, 0.5, seed=seed, stream=stream)

    m = finit.init_module(nn.Sequential(nn.Linear(4, 5), nn.LayerNorm(5)), seed=1, scheme=rule)
    assert seen == ["0.weight", "0.bias", "1.weight", "1.bias"]
    np.testing.assert_array_equal(m[0].weight.detach().numpy(),
                                  fastinit.normal((5, 4), 0.0, 0.5, seed=1, stream=S("0.weight")))
    assert float(m[0].bias.detach().abs().max()) <= 0.5 and (m[1].bias == 0).all()

    m = finit.init_module(nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 5)), seed=1, scheme={
        "0.*": "zeros", "1.weight": "orthogonal", "*.bias": 0.25})
    assert (m[0].weight == 0).all() and (m[0].bias == 0).all()
    assert (m[1].bias == 0.25).all()
    g = m[1].weight.detach().double()
    torch.testing.assert_close(g @ g.T, torch.eye(5, dtype=torch.float64), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="scheme"):
        finit.init_module(nn.Linear(2, 2), seed=1, scheme={"*": "nope"})
    with pytest.raises(TypeError, match="scheme"):
        finit.init_module(nn.Linear(2, 2), seed=1, scheme=3)


# ---- Hugging Face -------------------------------------------------------------------------
transformers = pytest.importorskip("transformers")


@pytest.fixture(autouse=True)
def _quiet_transformers():
    transformers.logging.set_verbosity_error()


def _gpt2(n_layer=2):
    cfg = transformers.GPT2Config(n_embd=32, n_layer=n_layer, n_head=2, vocab_size=300,
                                  n_positions=32, bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel, cfg


def _llama(n_layer=2, tie=False):
    cfg = transformers.LlamaConfig(hidden_size=32, num_hidden_layers=n_layer,
                                   num_attention_heads=2, num_key_value_heads=1,
                                   intermediate_size=64, vocab_size=300,
                                   tie_word_embeddings=tie)
    return transformers.LlamaForCausalLM, cfg


def _bert(n_layer=2):
    cfg = transformers.BertConfig(hidden_size=32, num_hidden_layers=n_layer,
                                  num_attention_heads=2, intermediate_size=64, vocab_size=300,
                                  max_position_embeddings=32)
    return transformers.BertModel, cfg


def _build(cls, cfg, meta):
    if not meta:
        return cls(cfg)
    with torch.device("meta"):
        m = cls(cfg)
    m.to_empty(device="cpu")
    return m


def _expected_stats(cls, cfg):
    """The model's own init statistics, from its own init (torch's RNG), as the reference."""
    torch.manual_seed(0)
    return {n: p.detach().clone() for n, p in cls(cfg).named_parameters()}


@pytest.mark.parametrize("builder", [_gpt2, _llama, _bert])
@pytest.mark.parametrize("meta", [True, False])
def test_hf_models_get_their_own_init(builder, meta):
    cls, cfg = builder()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)      # every parameter has init code
        m = finit.init_module(_build(cls, cfg, meta), seed=5)
    ref = _expected_stats(cls, cfg)
    ours = dict(m.named_parameters())
    assert set(ours) == set(ref)
    for name, r in ref.items():
        p = ours[name].detach()
        if float(r.std()) == 0 or p.numel() < 2:
            assert torch.equal(p, r), name
            continue
        rel = max(0.06, 5.0 / math.sqrt(p.numel()))
        assert float(p.std()) == pytest.approx(float(r.std()), rel=rel), name
        assert abs(float(p.mean())) < 5 * float(r.std()) / math.sqrt(p.numel()) + 1e-6, name


def test_gpt2_tie_conv1d_and_scaled_projection():
    cls, cfg = _gpt2(n_layer=2)
    m = finit.init_module(_build(cls, cfg, meta=True), seed=2)
    assert m.lm_head.weight is m.transformer.wte.weight          # tied again after to_empty
    wte = fastinit.normal((300, 32), 0.0, 0.02, seed=2, stream=S("transformer.wte.weight"))
    np.testing.assert_array_equal(m.lm_head.weight.detach().numpy(), wte)
    proj = m.transformer.h[1].attn.c_proj.weight.detach().numpy()
    std = 0.02 / math.sqrt(2 * 2)
    np.testing.assert_array_equal(proj, fastinit.normal(
        (32, 32), 0.0, std, seed=2, stream=S("transformer.h.1.attn.c_proj.weight")))
    # a torch-layout scheme on Conv1D (stored (in, out)) takes fan_in from the in axis
    m = finit.init_module(_build(cls, cfg, meta=True), seed=2, scheme="kaiming_uniform")
    w = m.transformer.h[0].mlp.c_fc.weight                       # (in=32, out=128)
    assert tuple(w.shape) == (32, 128)
    bound = math.sqrt(6 / 32)
    assert bound * 0.98 < float(w.abs().max()) <= bound


def test_hf_two_runs_and_added_layer_keep_bits():
    cls, cfg = _llama(n_layer=2)
    a = finit.init_module(_build(cls, cfg, meta=True), seed=9)
    b = finit.init_module(_build(cls, cfg, meta=False), seed=9)
    cls3, cfg3 = _llama(n_layer=3)
    c = finit.init_module(_build(cls3, cfg3, meta=True), seed=9)
    sc = c.state_dict()
    for n, x in a.state_dict().items():
        assert torch.equal(x, b.state_dict()[n]), n
        assert torch.equal(x, sc[n]), n
    assert "model.layers.2.mlp.up_proj.weight" in sc


def test_hf_scheme_by_name_reproduces_gpt2_own_scheme():
    cls, cfg = _gpt2(n_layer=2)

    def gpt2_scheme(t, *, seed, stream, name):
        if name.endswith("c_proj.weight"):
            return finit.normal_(t, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer), seed=seed,
                                 stream=stream)
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            return finit.ones_(t)
        if name.endswith("bias"):
            return finit.zeros_(t)
        return finit.normal_(t, 0.0, 0.02, seed=seed, stream=stream)

    own = finit.init_module(_build(cls, cfg, meta=True), seed=3)
    mine = finit.init_module(_build(cls, cfg, meta=True), seed=3, scheme=gpt2_scheme)
    for (n, x), (_, y) in zip(own.state_dict().items(), mine.state_dict().items()):
        assert torch.equal(x, y), n


def test_model_bench_rows_run_on_tiny_models():
    # the bench's own code paths, at toy sizes (speed is never asserted)
    from fastinit.tools.bench import models
    cls, cfg = _gpt2(n_layer=1)
    rows = [models._hf_row("tiny gpt2", cls, cfg, 1),
            models.plain_row(1, width=8, depth=1, vocab=10)]
    # Embedding(10, 8) + Linear(8, 32) + Linear(32, 8) + LayerNorm(8)
    assert round(rows[1]["params_m"] * 1e6) == 80 + (256 + 32) + (256 + 8) + 16
    assert all(r["fastinit_s"] > 0 and r["torch_s"] > 0 for r in rows)
    assert "tiny gpt2" in models.table(rows)
