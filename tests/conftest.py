import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
# every layer's tests import the shared reference module (tests/reference.py)
sys.path.insert(0, TESTS)

# Keras fixes its backend at import and wants TensorFlow when none is named; every test
# file (and the subprocesses they start) gets the same default, whichever file runs first
import importlib.util  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "torch" if importlib.util.find_spec("torch") else "jax")
