"""fastinit: fast, reproducible neural-network weight initialisation.

Element ``e`` of every tensor is a pure function of ``(seed, stream, e)`` (Philox4x32-10),
so results are the same on any thread count, on CPU and GPU, whole or sharded.
"""
from .core.seeding import seed as seed, stream_for_name as stream_for_name
from .engine.cpu import random_raw as random_raw
from .initializers import *  # noqa: F401,F403
from .initializers import __all__ as _catalog
from . import fans as fans
from .diagnosis import diagnose as diagnose

__all__ = ["seed", "stream_for_name", "random_raw", "fans", "diagnose", *_catalog]

__version__ = "0.1.0"
