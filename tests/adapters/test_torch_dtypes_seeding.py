"""fastinit.torch: seeding like torch, torch's dtypes and values, torch's error types."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit
import fastinit.torch as finit


# ---- seeding ----------------------------------------------------------------------------
def test_manual_seed_reproduces_and_consumes_the_default_generator():
    a, b = torch.empty(5, 6), torch.empty(5, 6)
    torch.manual_seed(11)
    finit.normal_(a)
    after_a = torch.rand(3)
    torch.manual_seed(11)
    finit.normal_(b)
    after_b = torch.rand(3)
    assert torch.equal(a, b) and torch.equal(after_a, after_b)
    # the seed came out of the generator, so the generator moved on
    torch.manual_seed(11)
    assert not torch.equal(torch.rand(3), after_a)
    torch.manual_seed(12)
    finit.normal_(b)
    assert not torch.equal(a, b)


def test_seed_none_is_64_bits_of_the_generator():
    torch.manual_seed(5)
    words = torch.empty(2, dtype=torch.int64).random_(0, 1 << 32)
    seed = int(words[0]) | (int(words[1]) << 32)
    torch.manual_seed(5)
    t = finit.uniform_(torch.empty(7))
    np.testing.assert_array_equal(t.numpy(), fastinit.uniform(7, seed=seed))


def test_generator_argument():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = finit.kaiming_uniform_(torch.empty(4, 9), generator=g1)
    b = finit.kaiming_uniform_(torch.empty(4, 9), generator=g2)
    assert torch.equal(a, b)
    torch.manual_seed(0)
    before = torch.rand(2)
    torch.manual_seed(0)
    finit.xavier_normal_(torch.empty(3, 3), 1.0, torch.Generator().manual_seed(1))
    assert torch.equal(torch.rand(2), before)       # the default generator was not used
    with pytest.raises(TypeError, match="generator"):
        finit.normal_(torch.empty(3), generator=3)
    with pytest.raises(ValueError, match="generator"):
        finit.normal_(torch.empty(3), generator=torch.Generator(), seed=1)


def test_explicit_seed_leaves_torch_generator_alone():
    torch.manual_seed(9)
    x = torch.rand(3)
    torch.manual_seed(9)
    finit.normal_(torch.empty(10), seed=4)
    assert torch.equal(torch.rand(3), x)


def test_init_module_seed_none_follows_manual_seed():
    torch.manual_seed(21)
    a = finit.init_module(nn.Linear(6, 5))
    torch.manual_seed(21)
    b = finit.init_module(nn.Linear(6, 5))
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    c = finit.init_module(nn.Linear(6, 5), generator=torch.Generator().manual_seed(21))
    d = finit.init_module(nn.Linear(6, 5), generator=torch.Generator().manual_seed(21))
    assert torch.equal(c.weight, d.weight)


# ---- dtypes -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8, torch.bool])
def test_integer_tensors_like_torch(dtype):
    for fn in (finit.zeros_, finit.ones_, finit.eye_, lambda t: finit.constant_(t, 3)):
        ours, theirs = torch.full((3, 4), 7).to(dtype), torch.full((3, 4), 7).to(dtype)
        torch_fn = {finit.zeros_: nn.init.zeros_, finit.ones_: nn.init.ones_,
                    finit.eye_: nn.init.eye_}.get(fn, lambda t: nn.init.constant_(t, 3))
        assert torch.equal(fn(ours), torch_fn(theirs))
        assert ours.dtype == dtype
    ours, theirs = torch.full((4, 2, 3), 7).to(dtype), torch.full((4, 2, 3), 7).to(dtype)
    assert torch.equal(finit.dirac_(ours, 2), nn.init.dirac_(theirs, 2))
    for ours, theirs in [
        (lambda t: finit.uniform_(t, seed=1), nn.init.uniform_),
        (lambda t: finit.normal_(t, seed=1), nn.init.normal_),
        (lambda t: finit.xavier_uniform_(t, seed=1), nn.init.xavier_uniform_),
        (lambda t: finit.kaiming_normal_(t, seed=1), nn.init.kaiming_normal_),
        (lambda t: finit.orthogonal_(t, seed=1), nn.init.orthogonal_),
        (lambda t: finit.sparse_(t, 0.5, seed=1), lambda t: nn.init.sparse_(t, 0.5)),
    ]:
        with pytest.raises(Exception) as theirs_err:
            theirs(torch.zeros(3, 4, dtype=dtype))
        with pytest.raises(theirs_err.type):
            ours(torch.zeros(3, 4, dtype=dtype))


@pytest.mark.parametrize("cdtype, rdtype", [(torch.complex64, "float32"),
                                            (torch.complex128, "float64")])
def test_complex_parts_are_consecutive_elements(cdtype, rdtype):
    t = finit.uniform_(torch.empty(3, 5, dtype=cdtype), -1.0, 2.0, seed=6, stream=2)
    ref = fastinit.uniform((3, 5, 2), -1.0, 2.0, seed=6, stream=2, dtype=rdtype)
    np.testing.assert_array_equal(torch.view_as_real(t).numpy(), ref)
    # torch gives each part of a complex normal half the variance; the mean goes to both
    t = finit.normal_(torch.empty(3, 5, dtype=cdtype), 0.5, 2.0, seed=6)
    ref = fastinit.normal((3, 5, 2), 0.5, 2.0 / math.sqrt(2.0), seed=6, dtype=rdtype)
    np.testing.assert_array_equal(torch.view_as_real(t).numpy(), ref)
    big = finit.xavier_normal_(torch.empty(400, 500, dtype=cdtype), seed=1)
    theirs = nn.init.xavier_normal_(torch.empty(400, 500, dtype=cdtype))
    assert float(big.real.std()) == pytest.approx(float(theirs.real.std()), rel=0.02)
    assert float(big.abs().pow(2).mean()) == pytest.approx(2 / 900, rel=0.02)
    with pytest.raises(NotImplementedError):
        finit.trunc_normal_(torch.empty(3, dtype=cdtype), seed=1)
    s = finit.sparse_(torch.empty(20, 6, dtype=cdtype), 0.25, seed=2)
    assert ((s == 0).sum(0) == 5).all()


def test_bfloat16_and_half_follow_the_float32_stream():
    for dtype, rdtype in [(torch.bfloat16, "bfloat16"), (torch.float16, "float16")]:
        t = finit.normal_(torch.empty(64, dtype=dtype), seed=3)
        ref = fastinit.normal(64, seed=3, dtype=rdtype)
        assert torch.equal(t.float(), torch.from_numpy(ref.astype(np.float32)))


def test_tensor_valued_scalars():
    a = finit.uniform_(torch.empty(50), torch.tensor(-2.0), torch.tensor(3.0), seed=1)
    np.testing.assert_array_equal(a.numpy(), fastinit.uniform(50, -2.0, 3.0, seed=1))
    b = finit.normal_(torch.empty(50), torch.tensor(1.0), torch.tensor(0.5), seed=1)
    np.testing.assert_array_equal(b.numpy(), fastinit.normal(50, 1.0, 0.5, seed=1))
    c = finit.trunc_normal_(torch.empty(50), torch.tensor(0.0), torch.tensor(1.0),
                            torch.tensor(-1.0), torch.tensor(1.0), seed=1)
    assert float(c.abs().max()) <= 1.0


def test_sparse_sparsity_one_zeroes_everything_like_torch():
    t = finit.sparse_(torch.ones(6, 4), 1.0, seed=1)
    assert torch.equal(t, nn.init.sparse_(torch.ones(6, 4), 1.0))
    assert (t == 0).all()


# ---- errors of the types torch raises ------------------------------------------------------
@pytest.mark.parametrize("ours, theirs", [
    (lambda: finit.uniform_(torch.empty(3), 2.0, 1.0, seed=1),
     lambda: nn.init.uniform_(torch.empty(3), 2.0, 1.0)),
    (lambda: finit.normal_(torch.empty(3), 0.0, -1.0, seed=1),
     lambda: nn.init.normal_(torch.empty(3), 0.0, -1.0)),
    (lambda: finit.normal_(torch.zeros(1, 6).expand(4, 6), seed=1),
     lambda: nn.init.normal_(torch.zeros(1, 6).expand(4, 6))),
    (lambda: finit.uniform_(torch.zeros(1, 6).expand(4, 6), seed=1),
     lambda: nn.init.uniform_(torch.zeros(1, 6).expand(4, 6))),
])
def test_error_types_as_torch(ours, theirs):
    with pytest.raises(Exception) as t_err:
        theirs()
    with pytest.raises(t_err.type) as o_err:
        ours()
    assert str(o_err.value).split(",")[0] == str(t_err.value).split(",")[0]


@pytest.mark.parametrize("gain", [float("nan"), -1.0, float("inf")])
def test_bad_gain_names_gain(gain):
    for fn in (finit.xavier_uniform_, finit.xavier_normal_):
        with pytest.raises(ValueError, match="gain"):
            fn(torch.empty(3, 4), gain=gain, seed=1)


def test_bad_seed_named_before_any_fill():
    with pytest.raises(ValueError, match="seed"):
        finit.init_module(nn.LayerNorm(3), seed=-1)
    with pytest.raises(TypeError, match="seed"):
        finit.InitMode(None, seed=1.5)


def test_init_module_needs_a_module():
    with pytest.raises(TypeError, match="module"):
        finit.init_module(3, seed=0)
    with pytest.raises(TypeError, match="module"):
        finit.InitMode(3, seed=0)
