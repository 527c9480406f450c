"""Release facts a user meets before any fill: the distribution's metadata and extras,
`--version`, `info` (OpenMP, GOMP_SPINCOUNT and who set it), and one-line errors
from `bench --device cuda` where CUDA is unusable."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import tomllib
except ImportError:        # Python 3.10
    tomllib = None


def _cli(*args, env_update=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update or {})
    return subprocess.run([sys.executable, "-m", "fastinit", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def _pyproject():
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    path = os.path.join(ROOT, "pyproject.toml")
    if not os.path.exists(path):
        pytest.skip("no pyproject.toml beside the tests")
    with open(path, "rb") as f:
        return tomllib.load(f)["project"]


def test_distribution_metadata():
    p = _pyproject()
    assert p["name"] == "fastinit-nn"               # "fastinit" on PyPI is another project
    assert p["license"] == "BSD-3-Clause"           # SPDX string, not the deprecated table
    assert os.path.exists(os.path.join(ROOT, "LICENSE"))
    assert p["authors"] and p["keywords"] and p["urls"] and p["classifiers"]
    assert not any(c.startswith("License ::") for c in p["classifiers"])  # SPDX excludes them


def test_extras():
    extras = _pyproject()["optional-dependencies"]
    assert not any(r.startswith("torch") for r in extras["keras"])
    assert extras["cupy12"] == [r for r in extras["cupy12"] if r.startswith("cupy-cuda12x")]
    assert extras["cupy13"] == [r for r in extras["cupy13"] if r.startswith("cupy-cuda13x")]
    everything = " ".join(extras["test-all"])
    for name in ("torch", "keras", "jax", "flax", "equinox", "transformers"):
        assert name in everything, name


def test_version_flag():
    import fastinit
    r = _cli("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"fastinit {fastinit.__version__} (distribution fastinit-nn)"


def _spin_line(out):
    return next(line for line in out.splitlines() if "GOMP_SPINCOUNT" in line)


def test_info_gomp_spincount_default():
    r = _cli("info", drop=("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"))
    assert r.returncode == 0
    assert "GOMP_SPINCOUNT: 10000 (set by fastinit" in _spin_line(r.stdout)
    assert "openmp:" in r.stdout


def test_info_respects_the_users_gomp_spincount():
    r = _cli("info", env_update={"GOMP_SPINCOUNT": "123"}, drop=("OMP_WAIT_POLICY",))
    assert "GOMP_SPINCOUNT: 123 (set by the user" in _spin_line(r.stdout)


def test_info_leaves_gomp_spincount_to_omp_wait_policy():
    r = _cli("info", env_update={"OMP_WAIT_POLICY": "PASSIVE"}, drop=("GOMP_SPINCOUNT",))
    assert "GOMP_SPINCOUNT: (unset) (left unset: OMP_WAIT_POLICY" in _spin_line(r.stdout)


def _cuda_usable():
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def test_bench_cuda_without_cuda_is_one_line():
    if _cuda_usable():
        pytest.skip("CuPy and a CUDA device are present: the benchmark would run")
    r = _cli("bench", "--device", "cuda", "--numel", "1024", "--repeat", "1")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cuda" in lines[0].lower(), r.stderr
