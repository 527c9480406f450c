"""InitMode affects only the thread that entered it: another thread calling torch.nn.init
meanwhile gets torch's own values and errors, through the code swap (routing's
trampolines) and through its attribute-level fallback alike; the functions come back
when the last mode exits."""
import threading

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fastinit.torch as finit
from fastinit.core.seeding import stream_for_name
from fastinit.torch import routing

_NAMES = ("trunc_normal_", "orthogonal_", "sparse_")


@pytest.fixture(params=["code swap", "attribute fallback"])
def path(request, monkeypatch):
    """Both routing paths: trampolines, and the fallback for a torch without them."""
    if request.param == "attribute fallback":
        for n in _NAMES:
            monkeypatch.setattr(routing._TORCH[n], "trampoline", None)
    return request.param


def _state():
    return [(getattr(nn.init, n), getattr(nn.init, n).__code__) for n in _NAMES]


def _torch_calls():
    """torch.nn.init calls, read from the module at call time (one thread at a time)."""
    def g():
        return torch.Generator().manual_seed(5)
    torch.manual_seed(7)                  # sparse_'s randperm takes the default generator
    out = {
        "trunc_normal_": nn.init.trunc_normal_(torch.empty(6, 6), std=0.5, generator=g()),
        "orthogonal_": nn.init.orthogonal_(torch.empty(6, 4), generator=g()),
        "sparse_": nn.init.sparse_(torch.empty(6, 4), 0.5, generator=g()),
        "normal_": nn.init.normal_(torch.empty(6, 6), generator=g()),
        "kaiming_uniform_": nn.init.kaiming_uniform_(torch.empty(6, 6), generator=g()),
        "Tensor.uniform_": torch.empty(6, 6).uniform_(generator=g()),
    }
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        nn.init.orthogonal_(torch.empty(3))
    return out


def test_a_thread_without_a_mode_is_never_routed(path):
    before = _state()
    reference = _torch_calls()
    model = nn.Linear(6, 6)
    entered, done = threading.Event(), threading.Event()
    seen = {}

    def other():
        entered.wait(30)
        try:
            seen["swapped"] = _state() != before
            seen["calls"] = _torch_calls()
        except BaseException as e:  # reported below
            seen["error"] = e
        done.set()

    worker = threading.Thread(target=other)
    worker.start()
    with finit.InitMode(model, seed=0):
        entered.set()
        assert done.wait(60)             # the other thread ran while this mode was active
        nn.init.trunc_normal_(model.weight, std=0.02)      # this thread: still routed
    worker.join()
    assert "error" not in seen, seen.get("error")
    assert seen["swapped"]               # the other thread did see swapped functions
    for name, want in reference.items():
        assert torch.equal(seen["calls"][name], want), name
    assert _state() == before            # restored on exit
    want = finit.trunc_normal_(torch.empty(6, 6), std=0.02, seed=0,
                               stream=stream_for_name("weight"))
    assert torch.equal(model.weight.detach(), want)


def test_overlapping_modes_in_two_threads(path):
    """Each thread gets its own mode's values; a mode exiting in one thread leaves the
    other thread's routing in place."""
    before = _state()
    a_entered, a_exited = threading.Event(), threading.Event()
    out = {}

    def thread_a():
        m = nn.Linear(5, 5)
        with finit.InitMode(m, seed=1):
            a_entered.set()
            nn.init.trunc_normal_(m.weight)
        out["a"] = m.weight.detach().clone()
        a_exited.set()

    def thread_b():
        m = nn.Linear(5, 5)
        a_entered.wait(30)
        with finit.InitMode(m, seed=2):
            a_exited.wait(30)             # A's mode is gone; B's must still route
            nn.init.trunc_normal_(m.weight)
        out["b"] = m.weight.detach().clone()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for key, seed in (("a", 1), ("b", 2)):
        want = finit.trunc_normal_(torch.empty(5, 5), seed=seed, stream=stream_for_name("weight"))
        assert torch.equal(out[key], want), key
    assert _state() == before


def test_nested_modes_and_restore_after_an_error(path):
    before = _state()
    m = nn.Linear(4, 4)
    with pytest.raises(RuntimeError, match="boom"):
        with finit.InitMode(m, seed=3):
            with finit.InitMode(m, seed=4):
                nn.init.trunc_normal_(m.weight)
            raise RuntimeError("boom")
    assert _state() == before
    want = finit.trunc_normal_(torch.empty(4, 4), seed=4, stream=stream_for_name("weight"))
    assert torch.equal(m.weight.detach(), want)          # the inner mode's fill
