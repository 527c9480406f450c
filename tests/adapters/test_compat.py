"""fastinit.compat: every private API / version-dependent layout fastinit uses, each
checked against the installed framework and through its fallback."""
import os
import re
import warnings

import numpy as np
import pytest

from fastinit.compat import jax as cjax, torch as ctorch, transformers as chf


# ---- torch ---------------------------------------------------------------------------------
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_torch_version_in_the_range_read(torch):
    assert ctorch.version() >= (2, 1)


def test_internal_overlap_and_its_public_fallback(torch, monkeypatch):
    base = torch.zeros(4, 6)
    cases = [base, base.t(), base[:, ::2], base[1:3], torch.zeros(1, 6).expand(4, 6),
             torch.zeros(6).as_strided((3, 3), (1, 1)), torch.zeros(()), torch.zeros(0, 3),
             torch.zeros(3, 1).expand(3, 1)]
    private = [ctorch.has_internal_overlap(t) for t in cases]
    assert private == [torch._debug_has_internal_overlap(t) == 1 for t in cases]
    assert private[4] and not private[0]
    monkeypatch.delattr(torch, "_debug_has_internal_overlap")
    fallback = [ctorch.has_internal_overlap(t) for t in cases]
    # the public rule finds every certain overlap of an expand (what torch refuses);
    # as_strided's partial overlap is one torch itself calls "too hard" (2: allowed)
    assert fallback == private


def test_bump_version(torch):
    t = torch.zeros(3)
    v = t._version
    ctorch.bump_version(t)
    assert t._version == v + 1
    with torch.inference_mode():
        ctorch.bump_version(torch.zeros(3))        # no version counter: nothing to do


def test_local_tensor_private_then_public(torch):
    class WithPrivate:
        _local_tensor = torch.ones(2)

    class PublicOnly:
        def to_local(self):
            return torch.full((2,), 3.0)
    assert ctorch.local_tensor(WithPrivate()) is WithPrivate._local_tensor
    assert torch.equal(ctorch.local_tensor(PublicOnly()), torch.full((2,), 3.0))


def test_dtensor_placements_and_shard_offsets(torch, monkeypatch):
    pytest.importorskip("torch.distributed.tensor")
    from torch.distributed.tensor import _utils
    from torch.distributed.tensor.placement_types import Shard
    kinds = ctorch.shard_placements()
    assert kinds[0] is Shard
    fn = ctorch.shard_offsets_fn()
    assert fn is _utils._get_shard_size_and_offsets      # the tests' torch has it
    size, offsets = fn(6, 2, 1, Shard(0), None, 6, False)
    assert int(size) == 3 and offsets.tolist()[:3] == [3, 4, 5]
    monkeypatch.setattr(_utils, "_get_shard_size_and_offsets", lambda size, mesh: None)
    assert ctorch.shard_offsets_fn() is None                # another signature: not called
    if len(kinds) > 1:                                      # _StridedShard without it: refused
        with pytest.raises(NotImplementedError, match="_StridedShard"):
            ctorch.local_shape_and_offset((4,), None, (kinds[1](0, split_factor=2),))


def test_nn_init_binders_exist(torch):
    """Every module of the list exists in this torch and reaches torch.nn.init (a bound
    name, or the module as ``init``: the list transformers patches)."""
    import importlib
    for name in ctorch.NN_INIT_BINDERS:
        mod = importlib.import_module(name)
        assert getattr(mod, "init", None) is torch.nn.init or any(
            getattr(mod, n, None) is getattr(torch.nn.init, n)
            for n in ("xavier_uniform_", "constant_", "trunc_normal_")) \
            or mod is torch.nn.init, name
    assert set(ctorch.nn_init_binders()) <= {importlib.import_module(n)
                                             for n in ctorch.NN_INIT_BINDERS}


# ---- transformers ----------------------------------------------------------------------------
def test_transformers_flags_table_and_init(torch):
    transformers = pytest.importorskip("transformers")
    assert chf.version() >= (4, 40)
    assert chf.pretrained_class() is transformers.PreTrainedModel
    cfg = transformers.GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=16,
                                  n_positions=8, bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(cfg)
    flagged = [m for m in model.modules() if chf.INITIALISED_FLAG in m.__dict__]
    assert flagged                        # construction marks modules initialised
    chf.clear_initialised_flags(model)
    assert not any(chf.INITIALISED_FLAG in m.__dict__ for m in model.modules())
    torch.manual_seed(0)
    chf.initialize(model)                 # runs without the flags in the way
    with pytest.raises(TypeError, match="initialize_weights"):
        chf.initialize(torch.nn.Linear(2, 2))


def test_transformers_absent_means_none(monkeypatch):
    import sys
    monkeypatch.delitem(sys.modules, "transformers", raising=False)
    assert chf.version() is None and chf.pretrained_class() is None


# ---- jax ------------------------------------------------------------------------------------
@pytest.fixture
def jax():
    return pytest.importorskip("jax")


def test_jax_entry_points(jax, monkeypatch):
    assert cjax.version() >= (0, 4, 0) and cjax.version("jax") >= (0, 4, 0)
    assert cjax.shard_map() is jax.shard_map
    assert cjax.ffi() is jax.ffi
    assert not cjax.is_tracer(jax.numpy.ones(2))
    assert jax.jit(lambda x: (x, cjax.is_tracer(x))[0])(1.0) == 1.0
    seen = []
    jax.jit(lambda x: seen.append(cjax.is_tracer(x)) or x)(1.0)
    assert seen == [True]
    monkeypatch.setenv("FASTINIT_JAX_FFI", "0")
    assert cjax.ffi_setting() == "0"


def test_ffi_sizes_are_the_headers(jax):
    """What the handler reads fits the structs of the installed jaxlib's c_api.h, and the
    API major version there is the one the handler speaks."""
    from fastinit.jax import ffi
    assert ffi.NEEDED_SIZES == {"XLA_FFI_CallFrame": 120, "XLA_FFI_Api": 56,
                                "XLA_FFI_Api_Version": 24, "XLA_FFI_Args": 40,
                                "XLA_FFI_Rets": 40, "XLA_FFI_Buffer": 48,
                                "XLA_FFI_Metadata_Extension": 32, "XLA_FFI_Metadata": 36}
    header = os.path.join(jax.ffi.include_dir(), "xla", "ffi", "api", "c_api.h")
    if not os.path.exists(header):
        pytest.skip("this jaxlib ships no FFI headers")
    text = open(header).read()
    assert int(re.search(r"#define XLA_FFI_API_MAJOR (\d+)", text).group(1)) == ffi.API_MAJOR


@pytest.fixture
def fresh_ffi(jax, monkeypatch):
    """fastinit.jax.ffi with its decision undone (restored after the test)."""
    from fastinit.jax import ffi
    if jax.default_backend() != "cpu":
        pytest.skip("the FFI custom call is for the CPU backend")
    monkeypatch.setattr(ffi, "_AVAILABLE", None)
    monkeypatch.setattr(ffi, "_STATUS", "not decided yet")
    return ffi


def test_ffi_checks_pass_on_this_jaxlib(fresh_ffi):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fresh_ffi.available()
    assert fresh_ffi.status().startswith("XLA FFI custom call")


@pytest.mark.parametrize("patch, reason", [
    (lambda ffi, mp: mp.setitem(ffi.NEEDED_SIZES, "XLA_FFI_Buffer", 1 << 20), "XLA_FFI_Buffer"),
    (lambda ffi, mp: mp.setitem(ffi.NEEDED_SIZES, "XLA_FFI_CallFrame", 1 << 20),
     "XLA_FFI_CallFrame"),
    (lambda ffi, mp: mp.setattr(ffi, "API_MAJOR", 7), "API version"),
    (lambda ffi, mp: mp.setitem(ffi._XLA_DTYPE, "float32", 99), "element type"),
])
def test_ffi_falls_back_with_a_warning(fresh_ffi, monkeypatch, patch, reason):
    """A struct smaller than what is read, another API major version or element type:
    the probe fails, a warning says why, and traced initializers take pure_callback with
    the same values."""
    import jax
    import fastinit.jax as fj
    patch(fresh_ffi, monkeypatch)
    with pytest.warns(RuntimeWarning, match=reason):
        assert not fresh_ffi.available()
    assert fresh_ffi.status().startswith("jax.pure_callback") and reason in fresh_ffi.status()
    key = jax.random.key(3)
    jaxpr = str(jax.make_jaxpr(lambda k: fj.normal(1.0)(k, (4, 5)))(key))
    assert "pure_callback" in jaxpr and "fastinit_fill" not in jaxpr
    got = jax.jit(lambda k: fj.normal(1.0)(k, (4, 5)))(key)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(fj.normal(1.0)(key, (4, 5))))


def test_ffi_off_by_setting_without_warning(fresh_ffi, monkeypatch):
    monkeypatch.setenv("FASTINIT_JAX_FFI", "0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not fresh_ffi.available()
    assert "FASTINIT_JAX_FFI=0" in fresh_ffi.status()
