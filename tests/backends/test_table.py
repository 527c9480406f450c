"""The backend table and the request: one class per array kind, devices honoured or
refused, namespaces resolved or refused, a new backend added by registering one class."""
import math
import sys

import numpy as np
import pytest

import fastinit
from fastinit import backends as _backends
from fastinit.core import request as _request
from fastinit.core.request import NORMAL, UNIFORM, FillRequest, make_request


def test_request_is_validated_once_and_immutable():
    req = make_request(NORMAL, (0.0, 2.0), np.dtype("float32"), (4, 6), seed=3, stream=1)
    assert isinstance(req, FillRequest) and req.whole
    assert (req.seed, req.stream, req.global_shape, req.start) == (3, 1, (4, 6), (0, 0))
    with pytest.raises(AttributeError):
        req.seed = 4


def test_sub_requests_are_blocks_of_the_whole():
    req = make_request(UNIFORM, (-1.0, 1.0), np.dtype("float64"), (6, 8), seed=9, stream=0,
                       global_shape=(10, 12), start=(2, 3))
    sub = req.sub((2, 5), (4, 1))
    assert sub.global_shape == (10, 12) and sub.start == (6, 4) and not sub.whole
    out = fastinit.engine.cpu.fill(np.empty(sub.shape, sub.dtype), sub)
    whole = fastinit.uniform((10, 12), -1.0, 1.0, seed=9, dtype="float64")
    np.testing.assert_array_equal(out, whole[6:8, 4:9])
    with pytest.raises(ValueError, match="sub-block"):
        req.sub((3, 5), (4, 1))


def test_failed_validation_consumes_no_stream():
    fastinit.seed(11)
    with pytest.raises(ValueError):
        fastinit.uniform(3, 2.0, 1.0)
    np.testing.assert_array_equal(fastinit.uniform(3), fastinit.uniform(3, seed=11, stream=0))


@pytest.mark.parametrize("device", ["cuda", "banana", "cuda:0"])
def test_numpy_target_refuses_other_devices(device):
    with pytest.raises(ValueError, match="device"):
        fastinit.glorot_uniform((4, 4), seed=0, device=device)


def test_numpy_target_accepts_cpu():
    np.testing.assert_array_equal(fastinit.glorot_uniform((4, 4), seed=0, device="cpu"),
                                  fastinit.glorot_uniform((4, 4), seed=0))


def test_torch_devices_honoured_or_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="device"):
        fastinit.normal((2, 2), seed=0, xp=torch, device="banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            fastinit.glorot_uniform((4, 4), seed=0, xp=torch, device="cuda")
    meta = fastinit.normal((2, 3), seed=0, xp=torch, device="meta")
    assert meta.device.type == "meta" and meta.shape == (2, 3)


@pytest.mark.parametrize("name", ["numpy", "np"])
def test_namespace_names_resolve(name):
    np.testing.assert_array_equal(fastinit.normal(5, seed=1, xp=name), fastinit.normal(5, seed=1))


def test_namespace_name_torch_resolves():
    torch = pytest.importorskip("torch")
    assert isinstance(fastinit.normal(5, seed=1, xp="torch"), torch.Tensor)


def test_unknown_or_missing_namespaces_are_type_errors():
    with pytest.raises(TypeError, match="xp"):
        fastinit.normal(5, seed=1, xp=math)
    with pytest.raises(TypeError, match="xp"):
        fastinit.normal(5, seed=1, xp="banana")
    if "cupy" not in sys.modules:
        try:
            import cupy  # noqa: F401
        except Exception:
            with pytest.raises(TypeError, match="cupy"):
                fastinit.normal(5, seed=1, xp="cupy")


def test_like_must_be_an_array():
    with pytest.raises(TypeError, match="like"):
        fastinit.normal(5, seed=1, like=3)


def test_chunks_only_for_dask():
    with pytest.raises(TypeError, match="chunks"):
        fastinit.normal((4, 4), seed=1, chunks=2)


class _Boxed:
    """A toy array kind: a NumPy array in a box."""
    def __init__(self, a):
        self.a = a
        self.shape, self.dtype = a.shape, a.dtype


class _BoxedBackend(_backends.Backend):
    name = "boxed"

    def claims_array(self, x):
        return isinstance(x, _Boxed)

    def fill(self, x, req):
        # fill the two halves as separate blocks, as a sharded backend does
        half = req.shape[0] // 2
        top = req.sub((half,) + req.shape[1:], (0,) * len(req.shape))
        bottom = req.sub((req.shape[0] - half,) + req.shape[1:], (half,) + (0,) * (len(req.shape) - 1))
        fastinit.engine.cpu.fill(x.a[:half], top)
        fastinit.engine.cpu.fill(x.a[half:], bottom)
        return x


def test_register_a_backend(monkeypatch):
    monkeypatch.setattr(_backends, "BACKENDS", list(_backends.BACKENDS))
    _backends.register(_BoxedBackend())
    box = _Boxed(np.empty((7, 3), np.float32))
    assert fastinit.he_normal_(box, seed=4) is box
    np.testing.assert_array_equal(box.a, fastinit.he_normal((7, 3), seed=4))


def test_every_builtin_backend_has_the_interface():
    for b in _backends.BACKENDS:
        for method in ("claims_array", "claims_namespace", "check_device", "empty", "from_host",
                       "fill", "assign", "fill_value", "new_random", "new_full"):
            assert callable(getattr(b, method))


def test_dtype_cache_does_not_confuse_spellings():
    assert _request.make_request(NORMAL, (0, 1), np.dtype("float64"), (2,), seed=0,
                                 stream=0).fmt != \
        _request.make_request(NORMAL, (0, 1), np.dtype("float32"), (2,), seed=0, stream=0).fmt
