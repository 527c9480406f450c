"""Every asv benchmark runs: setup + the benchmark method once, on the smallest size,
for every other parameter combination (asv's own run is `asv run --python=same --quick`,
see docs/asv.rst)."""
import importlib
import inspect
import itertools
import math
import os
import pkgutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import asv_benches  # noqa: E402
from asv_benches import _common  # noqa: E402

PREFIXES = ("time_", "peakmem_", "track_", "mem_", "timeraw_")
MODULES = sorted(m.name for m in pkgutil.iter_modules(asv_benches.__path__)
                 if m.name.startswith("bench_"))


def _cases():
    for modname in MODULES:
        mod = importlib.import_module(f"asv_benches.{modname}")
        for cname, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ != mod.__name__:
                continue
            methods = [m for m in dir(cls) if m.startswith(PREFIXES)]
            if methods:
                yield pytest.param(cls, methods, id=f"{modname}.{cname}")


def _smallest(cls):
    """Parameter combinations with every size-like axis cut to its smallest value."""
    params = getattr(cls, "params", [])
    names = getattr(cls, "param_names", [])
    if params and not isinstance(params[0], list):
        params = [params]
    axes = []
    for name, values in zip(names, params):
        axes.append([min(values)] if name == "size" else list(values))
    return list(itertools.product(*axes))


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    torch = _common.torch
    n = torch.get_num_threads() if torch is not None else None
    yield
    if torch is not None:
        torch.set_num_threads(n)


def test_modules_found():
    assert {"bench_distributions", "bench_initializers", "bench_ratios", "bench_small"} <= set(MODULES)


def test_conf_points_here():
    import json
    import re
    text = open(os.path.join(ROOT, "asv.conf.json")).read()
    conf = json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))
    assert conf["benchmark_dir"] == "asv_benches"
    assert conf["repo"] == "." and conf["branches"] == ["main"]
    assert conf["results_dir"].startswith(".asv") and conf["env_dir"].startswith(".asv")


@pytest.mark.parametrize("cls, methods", list(_cases()))
def test_benchmark_runs(cls, methods, monkeypatch):
    if hasattr(cls, "size"):      # the track_ classes time a fixed buffer: make it tiny
        monkeypatch.setattr(cls, "size", 1 << 14)
        monkeypatch.setattr(cls, "repeats", 1)
    ran = skipped = 0
    reasons = set()
    for combo in _smallest(cls):
        for method in methods:
            obj = cls()
            try:
                if hasattr(obj, "setup"):
                    obj.setup(*combo)
            except NotImplementedError as e:
                skipped += 1
                reasons.add(str(e))
                continue
            result = getattr(obj, method)(*combo)
            if method.startswith("track_"):
                assert isinstance(result, float) and math.isfinite(result) and result > 0, \
                    (combo, result)
            if hasattr(obj, "teardown"):
                obj.teardown(*combo)
            ran += 1
    if ran == 0 and reasons == {"PyTorch is not installed"}:   # e.g. pip install ".[test]"
        pytest.skip(f"{cls.__name__} compares with PyTorch, which is not installed")
    assert ran > 0, f"every case of {cls.__name__} was skipped ({'; '.join(sorted(reasons))})"


def test_fillers_agree_on_distribution():
    """The compared libraries do the same work: same bounds and scale."""
    import numpy as np
    for lib in ("fastinit", "numpy") + (("torch",) if _common.torch is not None else ()):
        out = np.empty(1 << 16, np.float32)
        _common.filler(lib, "uniform", out, "1")()
        assert _common.LOW <= out.min() and out.max() < _common.HIGH
        _common.filler(lib, "normal", out, "1")()
        assert abs(out.std() - _common.STD) < 0.05 * _common.STD
