"""fastinit.torch's random fills parse each argument once (issue 17): the tensor's dtype
is resolved once, the overlap check runs once (the backend's write trusts it), and the
distribution names are the engine's."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastinit  # noqa: E402
import fastinit.torch as finit  # noqa: E402
from fastinit.core import checks as _checks  # noqa: E402
from fastinit.engine import _engine  # noqa: E402
from fastinit.torch import nn_init  # noqa: E402


def _counting(monkeypatch, name):
    calls = []
    orig = getattr(_checks, name)

    def spy(*a, **k):
        calls.append(a[0])
        return orig(*a, **k)
    monkeypatch.setattr(_checks, name, spy)
    return calls


@pytest.mark.parametrize("make", [
    lambda: torch.empty(6, 8),                       # contiguous: straight into memory
    lambda: torch.empty(8, 6).t(),                   # strided: through a NumPy view
    lambda: torch.empty(6, 8, dtype=torch.complex64)[:, ::2],
])
@pytest.mark.parametrize("fill", [
    lambda t: finit.normal_(t, 0.5, 2.0, seed=3),
    lambda t: finit.uniform_(t, -1.0, 1.0, seed=3),
    lambda t: finit.xavier_uniform_(t, seed=3),
])
def test_dtype_and_overlap_checked_once(make, fill, monkeypatch):
    ref = fill(make())
    overlap, dtypes = _counting(monkeypatch, "torch_out"), _counting(monkeypatch, "dtype")
    t = fill(make())
    assert len(overlap) == 1 and len(dtypes) == 1
    assert torch.equal(t, ref)


def test_trunc_normal_checked_once(monkeypatch):
    overlap, dtypes = _counting(monkeypatch, "torch_out"), _counting(monkeypatch, "dtype")
    t = finit.trunc_normal_(torch.empty(5, 7).t(), std=0.5, seed=2)
    assert len(overlap) == 1 and len(dtypes) == 1
    ref = fastinit.truncated_normal((7, 5), 0.0, 0.5, -2.0, 2.0, seed=2)
    np.testing.assert_array_equal(t.numpy(), ref)


def test_overlap_errors_keep_their_messages():
    with pytest.raises(RuntimeError, match="unsupported operation: more than one element"):
        finit.normal_(torch.zeros(1, 6).expand(4, 6), seed=1)      # torch refuses it too
    t = torch.zeros(8).as_strided((3, 4), (1, 1))                  # torch cannot tell
    with pytest.raises(_checks.OverlapError, match="share memory"):
        finit.normal_(t, seed=1)
    assert (t == 0).all()


def test_distribution_names_are_the_engines():
    assert set(nn_init._DIST_CODES) == set(_engine.DIST_NAMES)
    for name, code in nn_init._DIST_CODES.items():
        assert getattr(_engine, name.upper()) == code
