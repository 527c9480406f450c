"""The public API is typed (py.typed ships): a user's script passes ``mypy --strict``,
and runs."""
import os
import subprocess
import sys

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typing")
SCRIPT = os.path.join(HERE, "user_script.py")
ADAPTERS = os.path.join(HERE, "user_script_adapters.py")


def test_py_typed_marker_ships():
    import fastinit
    assert os.path.isfile(os.path.join(os.path.dirname(fastinit.__file__), "py.typed"))


def _mypy_strict(script, cache):
    pytest.importorskip("mypy")
    res = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                          "--cache-dir", str(cache), script],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_user_script_passes_mypy_strict(tmp_path):
    _mypy_strict(SCRIPT, tmp_path)


def test_adapter_script_passes_mypy_strict(tmp_path):
    pytest.importorskip("jax")
    pytest.importorskip("keras")
    _mypy_strict(ADAPTERS, tmp_path)


def test_user_scripts_run():
    res = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, check=True)
    assert "(784, 256)" in res.stdout
    if all(_installed(m) for m in ("jax", "keras")):
        # Keras picks its backend at import; without KERAS_BACKEND it wants TensorFlow
        env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax")}
        res = subprocess.run([sys.executable, ADAPTERS], capture_output=True, text=True,
                             check=True, env=env)
        assert "(8, 4)" in res.stdout


def _installed(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None
