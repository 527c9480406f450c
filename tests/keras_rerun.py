"""A Keras test file runs on the backend Keras was imported with (torch in the suite);
``on_jax_backend(__file__, backend)`` is the test that reruns the whole file in a
subprocess with KERAS_BACKEND=jax (the backend is fixed when keras is imported)."""
import os
import subprocess
import sys

import pytest


def on_jax_backend(path, backend):
    @pytest.mark.slow
    @pytest.mark.skipif(backend != "torch" or os.environ.get("FASTINIT_KERAS_CHILD") == "1",
                        reason="the torch-backend run starts the jax-backend one")
    def test_on_jax_backend():
        pytest.importorskip("jax")
        env = dict(os.environ, KERAS_BACKEND="jax", FASTINIT_KERAS_CHILD="1",
                   JAX_PLATFORMS="cpu")
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            os.path.abspath(path)], capture_output=True, text=True, env=env,
                           timeout=600)
        assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
        assert " passed" in r.stdout and "failed" not in r.stdout
    return test_on_jax_backend
