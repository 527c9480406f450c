import os
import sys

# tests import the reference module beside them
sys.path.insert(0, os.path.dirname(__file__))
