"""fastinit: fast, reproducible neural-network weight initialisation.

Element ``e`` of every tensor is a pure function of ``(seed, stream, e)`` (Philox4x32-10),
so results are the same on any thread count, on CPU and GPU, whole or sharded.
"""
from ._seeding import seed, stream_for_name
from ._cpu import random_raw
from .initializers import *  # noqa: F401,F403
from . import fans  # noqa: F401

__version__ = "0.1.0"
