import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
# every layer's tests import the shared reference module (tests/reference.py)
sys.path.insert(0, TESTS)
