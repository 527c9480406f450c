"""Same call, same values: NumPy, torch CPU, array-api-strict, JAX, Dask."""
import sys
import types

import numpy as np
import pytest

import fastinit
from fastinit import backends as _backends
from fastinit.core import checks as _checks
from fastinit.core.request import UNIFORM, kernel_params

RANDOM = [("uniform", ((), dict())), ("normal", ((0.5, 2.0), {})),
          ("truncated_normal", ((0.0, 1.0, -1.0, 1.5), {})),
          ("variance_scaling", ((2.0, "fan_avg", "normal"), {})),
          ("glorot_uniform", ((), {})), ("glorot_normal", ((), {})), ("he_uniform", ((), {})),
          ("he_normal", ((), {})), ("lecun_uniform", ((), {})), ("lecun_normal", ((), {})),
          ("orthogonal", ((1.5,), {})), ("sparse", ((0.4,), {}))]
SHAPE = (24, 10)


def _np(name, args, kw, dtype="float32", shape=SHAPE):
    return getattr(fastinit, name)(shape, *args, seed=7, stream=3, dtype=dtype, **kw)


@pytest.mark.parametrize("name, spec", RANDOM)
def test_torch_strict_dask_equal_numpy(name, spec):
    torch = pytest.importorskip("torch")
    args, kw = spec
    ref = _np(name, args, kw)
    assert isinstance(ref, np.ndarray) and ref.dtype == np.float32
    t = getattr(fastinit, name)(SHAPE, *args, seed=7, stream=3, xp=torch, **kw)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    # the same bits, except orthogonal's QR, which is torch's LAPACK for torch targets
    same = (np.testing.assert_array_equal if name != "orthogonal" else
            lambda a, b: np.testing.assert_allclose(a, b, rtol=0, atol=2e-6))
    same(t.numpy(), ref)
    xs = pytest.importorskip("array_api_strict")
    s = getattr(fastinit, name)(SHAPE, *args, seed=7, stream=3, xp=xs, **kw)
    assert type(s).__module__.startswith("array_api_strict")
    np.testing.assert_array_equal(np.asarray(s), ref)
    da = pytest.importorskip("dask.array")
    d = getattr(fastinit, name)(SHAPE, *args, seed=7, stream=3, xp=da, chunks=(5, 4), **kw)
    assert isinstance(d, da.Array)
    np.testing.assert_array_equal(d.compute(), ref)
    # like= picks the namespace
    lk = getattr(fastinit, name)(SHAPE, *args, seed=7, stream=3, like=torch.empty(1), **kw)
    assert isinstance(lk, torch.Tensor)
    same(lk.numpy(), ref)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", ["uniform", "normal", "truncated_normal", "he_normal"])
def test_torch_in_place_all_dtypes(name, dtype):
    torch = pytest.importorskip("torch")
    ref = getattr(fastinit, name)((33, 17), seed=1, dtype=dtype)
    t = torch.empty((33, 17), dtype=getattr(torch, dtype))
    assert getattr(fastinit, name + "_")(t, seed=1) is t
    if dtype == "bfloat16":
        got = t.view(torch.int16).numpy().view(_checks.BFLOAT16)
    else:
        got = t.numpy()
    np.testing.assert_array_equal(got.view(np.uint8), ref.view(np.uint8))
    new = getattr(fastinit, name)((33, 17), seed=1, dtype=getattr(torch, dtype), xp=torch)
    assert torch.equal(new, t)


def test_torch_in_place_non_contiguous_and_parameters():
    torch = pytest.importorskip("torch")
    base = torch.zeros(20, 30)
    view = base.t()                      # (30, 20), not contiguous
    fastinit.glorot_uniform_(view, seed=2)
    np.testing.assert_array_equal(view.numpy(), fastinit.glorot_uniform((30, 20), seed=2))
    sl = torch.zeros(10, 40)[:, ::2]
    fastinit.normal_(sl, seed=3)
    np.testing.assert_array_equal(sl.numpy(), fastinit.normal((10, 20), seed=3))
    p = torch.nn.Parameter(torch.empty(8, 8))
    fastinit.he_uniform_(p, seed=4)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    np.testing.assert_array_equal(p.detach().numpy(), fastinit.he_uniform((8, 8), seed=4))
    meta = torch.empty(4, 4, device="meta")
    assert fastinit.he_uniform_(meta, seed=1) is meta
    for fn in (fastinit.orthogonal_, fastinit.identity_, fastinit.zeros_):
        q = torch.empty(6, 6)
        fn(q, seed=1) if fn is fastinit.orthogonal_ else fn(q)


def test_host_initializers_in_place_on_torch_and_strict():
    torch = pytest.importorskip("torch")
    xs = pytest.importorskip("array_api_strict")
    t = torch.empty(12, 5, dtype=torch.float64)
    fastinit.orthogonal_(t, seed=1)
    np.testing.assert_allclose(t.numpy(), fastinit.orthogonal((12, 5), seed=1, dtype="float64"),
                               rtol=0, atol=1e-13)   # torch's QR vs NumPy's: equal to rounding
    fastinit.sparse_(t, 0.5, seed=1)
    np.testing.assert_array_equal(t.numpy(), fastinit.sparse((12, 5), 0.5, seed=1, dtype="float64"))
    s = xs.zeros((12, 5), dtype=xs.float32)
    assert fastinit.he_normal_(s, seed=5) is s
    np.testing.assert_array_equal(np.asarray(s), fastinit.he_normal((12, 5), seed=5))
    fastinit.constant_(s, 2.5)
    assert bool(xs.all(s == 2.5))
    fastinit.identity_(s[:5, :])
    z = fastinit.zeros((3, 3), xp=xs, dtype=xs.float64)
    assert z.dtype == xs.float64 and not bool(xs.any(z))
    e = fastinit.dirac((2, 2, 3), xp=torch)
    np.testing.assert_array_equal(e.numpy(), fastinit.dirac((2, 2, 3)))


def test_jax_new_form_and_immutable_in_place():
    jnp = pytest.importorskip("jax.numpy")
    a = fastinit.glorot_uniform((16, 8), seed=3, xp=jnp)
    np.testing.assert_array_equal(np.asarray(a), fastinit.glorot_uniform((16, 8), seed=3))
    o = fastinit.orthogonal((16, 8), seed=3, xp=jnp)
    np.testing.assert_array_equal(np.asarray(o), fastinit.orthogonal((16, 8), seed=3))
    assert float(fastinit.ones((2,), xp=jnp)[0]) == 1.0
    for call in (lambda: fastinit.glorot_uniform_(a, seed=1), lambda: fastinit.zeros_(a),
                 lambda: fastinit.orthogonal_(a, seed=1)):
        with pytest.raises(TypeError, match="return-new form"):
            call()


def test_dtype_spellings():
    torch = pytest.importorskip("torch")
    xs = pytest.importorskip("array_api_strict")
    ref = fastinit.normal((5,), seed=1, dtype="float64")
    for dt in (np.float64, np.dtype("float64"), torch.float64, xs.float64, "float64"):
        np.testing.assert_array_equal(np.asarray(fastinit.normal((5,), seed=1, dtype=dt)), ref)
    for bad in (torch.int32, xs.int64, "complex64", np.int8):
        with pytest.raises(TypeError, match="dtype"):
            fastinit.normal((5,), seed=1, dtype=bad)
    with pytest.raises(TypeError, match="dtype"):
        fastinit.normal_(torch.zeros(3, dtype=torch.int64), seed=1)


class _FakeGpuArray:
    """Stands in for a CuPy array in routing tests (no GPU here)."""
    def __init__(self, shape):
        self.shape, self.dtype = shape, np.dtype("float32")


def test_gpu_arrays_go_to_fill_device(monkeypatch):
    """A CuPy array goes to _gpu.fill_device with the validated request, never the host."""
    calls = []

    def fill_device(x, req):
        calls.append(req)
        return x

    monkeypatch.setattr(_backends.CupyBackend, "claims_array",
                        lambda self, x: isinstance(x, _FakeGpuArray))
    monkeypatch.setitem(sys.modules, "fastinit.engine.gpu",
                        types.SimpleNamespace(fill_device=fill_device))
    monkeypatch.setattr(fastinit.engine, "gpu", sys.modules["fastinit.engine.gpu"], raising=False)
    x = _FakeGpuArray((4, 6))
    assert fastinit.he_uniform_(x, seed=5, stream=2) is x
    req, = calls
    assert req.dist == UNIFORM and req.dtype == np.float32 and (req.seed, req.stream) == (5, 2)
    assert req.global_shape == (4, 6) and req.start == (0, 0) and req.shape == (4, 6)
    lim = (6 / 4) ** 0.5
    assert req.params == kernel_params(UNIFORM, req.fmt, (-lim, lim))


def test_unsupported_objects():
    with pytest.raises(TypeError):
        fastinit.normal_("abc", seed=1)
    with pytest.raises(TypeError):
        fastinit.zeros_(None)
