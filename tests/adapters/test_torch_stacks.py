"""Real model zoos, through the packages themselves (no weights downloaded): each model
gets the same distributions as its own init (KS test on large tensors, constants exact),
the same bits twice, and adding a layer leaves the other parameters' bits unchanged.

* timm (``init_module``: its model-level ``init_weights``): vit_tiny_patch16_224, resnet18,
  Swin, MLP-Mixer; ConvNeXt, whose init is a function applied in ``__init__``, warns under
  ``init_module`` and matches through ``build``;
* torchvision (``build``: init loops in ``__init__``): resnet18, vit_b_16;
* torchtitan 0.3.0's Llama-3 debug model built on meta, ``to_empty``, ``init_module``
  (its ``init_weights``: partials of ``trunc_normal_`` bound at import, depth-scaled
  projections, fused wqkv drawn into scratch tensors), tied and untied.
Each stack is skipped when its package is not installed."""
import dataclasses
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

import fastinit
import fastinit.torch as finit
from fastinit.torch import nn_init

S = fastinit.stream_for_name
KS_MAX = 200_000          # elements compared per tensor (iid draws: a prefix is a sample)


def same_distributions(ours, theirs, min_ks=1000):
    """Every parameter: constants equal exactly; large random ones pass a KS test."""
    ours, theirs = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert set(ours) == set(theirs)
    tested = 0
    for name, t in theirs.items():
        a = ours[name].detach().flatten().double().numpy()
        b = t.detach().flatten().double().numpy()
        if np.ptp(b) == 0:
            np.testing.assert_array_equal(a, b, err_msg=name)
        elif b.size >= min_ks:
            p = stats.ks_2samp(a[:KS_MAX], b[:KS_MAX]).pvalue
            assert p > 1e-4, f"{name}: KS p={p:.2g}, std {a.std():.4g} vs {b.std():.4g}"
            tested += 1
        else:
            assert np.ptp(a) > 0, name
    return tested


def same_bits(a, b, skip=()):
    sb = b.state_dict()
    n = 0
    for name, t in a.state_dict().items():
        if name in sb and not any(s in name for s in skip):
            assert torch.equal(t, sb[name]), name
            n += 1
    return n


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        return fn(*args, **kw)


# ---- timm ------------------------------------------------------------------------------------
TIMM = [("vit_tiny_patch16_224", {}, "depth"),
        ("resnet18", {}, None),
        ("swin_tiny_patch4_window7_224", {"depths": (1, 1, 2, 1), "embed_dim": 48,
                                          "num_heads": (2, 2, 4, 4)}, None),
        ("MlpMixer", {"num_blocks": 2, "embed_dim": 128}, "num_blocks")]


def _timm(arch, kw):
    timm = pytest.importorskip("timm")
    if arch == "MlpMixer":                      # the class itself: its depth is an argument
        from timm.models.mlp_mixer import MlpMixer
        return MlpMixer(**kw)
    return timm.create_model(arch, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("arch,kw,depth_arg", TIMM, ids=[t[0] for t in TIMM])
def test_timm_init_module_is_the_models_own_init(arch, kw, depth_arg):
    torch.manual_seed(0)
    theirs = _timm(arch, kw)
    ours = quiet(finit.init_module, _timm(arch, kw), seed=1)
    assert same_distributions(ours, theirs) >= 3
    twice = finit.init_module(_timm(arch, kw), seed=1)
    assert same_bits(ours, twice) == len(ours.state_dict())
    if depth_arg:
        small = dict(kw, **{depth_arg: 2})
        big = dict(kw, **{depth_arg: 3})
        a = finit.init_module(_timm(arch, small), seed=1)
        b = finit.init_module(_timm(arch, big), seed=1)
        assert same_bits(a, b) == len(a.state_dict())


@pytest.mark.slow
def test_timm_convnext_warns_then_build_matches():
    timm = pytest.importorskip("timm")
    kw = {"depths": (1, 1, 1, 1), "dims": (16, 32, 64, 128)}
    with pytest.warns(UserWarning, match="stem.0.weight"):
        finit.init_module(timm.create_model("convnext_atto", **kw), seed=0)
    torch.manual_seed(0)
    theirs = timm.create_model("convnext_atto", **kw)
    ours = quiet(finit.build, timm.create_model, "convnext_atto", seed=0, **kw)
    assert same_distributions(ours, theirs) >= 3
    assert same_bits(ours, finit.build(timm.create_model, "convnext_atto", seed=0, **kw))


# ---- torchvision -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("arch", ["resnet18", "vit_b_16"])
def test_torchvision_build_is_the_constructors_init(arch):
    models = pytest.importorskip("torchvision.models")
    factory = getattr(models, arch)
    torch.manual_seed(0)
    theirs = factory()
    ours = quiet(finit.build, factory, seed=2)
    assert same_distributions(ours, theirs) >= 5
    assert same_bits(ours, finit.build(factory, seed=2)) == len(ours.state_dict())
    # init_module alone cannot see the constructor's loops: it says so
    with pytest.warns(UserWarning, match="build"):
        finit.init_module(factory(), seed=2)


@pytest.mark.slow
def test_torchvision_vit_added_layer_keeps_bits():
    models = pytest.importorskip("torchvision.models")
    vit = models.VisionTransformer
    kw = dict(image_size=32, patch_size=8, hidden_dim=64, mlp_dim=128, num_heads=4)
    a = finit.build(vit, num_layers=2, seed=3, **kw)
    b = finit.build(vit, num_layers=3, seed=3, **kw)
    assert same_bits(a, b) == len(a.state_dict())


# ---- torchtitan -------------------------------------------------------------------------------
def _titan(tie=False, n_layers=None):
    llama3 = pytest.importorskip("torchtitan.models.llama3")
    cfg = llama3.llama3_configs["debugmodel"](attn_backend="flex")
    if tie:
        cfg = dataclasses.replace(cfg, enable_weight_tying=True)
    if n_layers is not None:
        cfg = dataclasses.replace(cfg, layers=cfg.layers[:n_layers])
    with torch.device("meta"):
        m = cfg.build()
    m.to_empty(device="cpu")
    return m


@pytest.mark.slow
@pytest.mark.parametrize("tie", [False, True])
def test_torchtitan_init_module_is_its_init_weights(tie, monkeypatch):
    theirs = _titan(tie)
    torch.manual_seed(0)
    theirs.init_weights()
    kinds = []
    orig = nn_init._fill
    monkeypatch.setattr(nn_init, "_fill", lambda t, *a, **k: (kinds.append(a[0]), orig(t, *a, **k))[1])
    ours = quiet(finit.init_module, _titan(tie), seed=0)
    monkeypatch.undo()
    # one fastinit fill per draw: the partials of trunc_normal_ bound at import are routed
    assert "normal" in kinds and kinds.count("truncated") >= 3 * 6
    assert same_distributions(ours, theirs) >= 20
    for name, p in ours.named_parameters():     # truncation bounds kept
        assert float(p.detach().abs().max()) <= float(dict(theirs.named_parameters())[name].detach().abs().max()) * 1.3 + 1e-12 or name.endswith("tok_embeddings.weight"), name
    proj = ours.layers["3"].attention.wo.weight
    ref = finit.trunc_normal_(torch.empty(256, 256), std=0.02 / (2 * 4) ** 0.5, seed=0,
                              stream=S("layers.3.attention.wo.weight"))
    assert torch.equal(proj, ref)                # depth-scaled, from its own stream
    if tie:
        assert ours.tok_embeddings.weight is ours.lm_head.weight
        s = 256 ** -0.5
        ref = finit.trunc_normal_(torch.empty(2048, 256), std=s, a=-3 * s, b=3 * s, seed=0,
                                  stream=S("tok_embeddings.weight"))
        assert torch.equal(ours.lm_head.weight, ref)   # canonical: first name in module order
    assert same_bits(ours, finit.init_module(_titan(tie), seed=0)) == len(ours.state_dict())


@pytest.mark.slow
def test_torchtitan_added_layer_keeps_bits_and_plan():
    a = finit.init_module(_titan(n_layers=2), seed=4)
    b = finit.init_module(_titan(n_layers=3), seed=4)
    assert same_bits(a, b, skip=("freqs_cis",)) >= len(list(a.parameters()))
    plan = finit.plan(_titan(n_layers=2))
    assert plan["layers.1.attention.wo.weight"].dist == (
        "truncated_normal", {"mean": 0.0, "std": pytest.approx(0.01), "low": -2.0, "high": 2.0})
    assert "scratch draw" in plan["layers.0.attention.qkv_linear.wqkv.weight"].describe()
    diff = finit.plan(_titan(n_layers=2)).diff(finit.plan(_titan(n_layers=3)))
    assert diff and all(name.startswith("layers.2.") for name, _, _ in diff)


@pytest.mark.slow
@pytest.mark.parametrize("world,layout", [(2, "fsdp"), (2, "tp"), (4, "fsdp_tp")])
def test_torchtitan_layouts_bit_equal(world, layout):
    """torchtitan's own parallelize_llama on gloo: every gathered parameter equals the
    unsharded model's (tied and untied); see torchtitan_dist_worker.py."""
    import os
    import subprocess
    import sys
    pytest.importorskip("torchtitan.models.llama3")
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available")
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchtitan_dist_worker.py")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, worker, str(world), layout], capture_output=True,
                          text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert proc.stdout.count(f"OK {layout}") == 2, proc.stdout


@pytest.mark.slow
def test_zoo_bench_rows_run_on_tiny_models():
    # the bench's own code paths at toy sizes (speed is never asserted)
    from fastinit.tools.bench import models, zoo
    pytest.importorskip("torchtitan.models.llama3")
    row = zoo.titan_row(repeat=1, dim=64, n_layers=2, vocab=256)
    assert row["fastinit_s"] > 0 and row["torch_s"] > 0 and "torchtitan" in row["name"]
    assert "torchtitan" in models.table([row])
    pytest.importorskip("torchvision")
    rise, size = zoo._peak("resnet50", "build")
    n = sum(p.numel() for p in pytest.importorskip("torchvision.models").resnet50().parameters())
    assert size == 4 * n and rise > 0
