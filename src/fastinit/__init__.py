"""fastinit: fast, reproducible neural-network weight initialisation.

Element ``e`` of every tensor is a pure function of ``(seed, stream, e)`` (Philox4x32-10),
so results are the same on any thread count, on CPU and GPU, whole or sharded.
"""
from ._seeding import seed, stream_for_name
from .sampling import (normal, normal_, random_raw, truncated_normal, truncated_normal_,
                       uniform, uniform_)

__version__ = "0.1.0"

from .initializers import *  # noqa: E402,F401,F403  (the catalog; supersedes the NumPy-only samplers above)
from . import fans  # noqa: E402,F401
