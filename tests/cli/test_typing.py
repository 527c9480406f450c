"""The public API is typed (py.typed ships): a user's script passes ``mypy --strict``,
and runs."""
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typing", "user_script.py")


def test_py_typed_marker_ships():
    import fastinit
    assert os.path.isfile(os.path.join(os.path.dirname(fastinit.__file__), "py.typed"))


def test_user_script_passes_mypy_strict(tmp_path):
    pytest.importorskip("mypy")
    res = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                          "--cache-dir", str(tmp_path), SCRIPT],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_user_script_runs():
    res = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, check=True)
    assert "(784, 256)" in res.stdout
