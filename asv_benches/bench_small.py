"""Small calls: the per-call cost of ``normal_`` on 16, 768 and 768x768 elements, where
Python overhead, not sampling, decides (models have hundreds of small parameters).
``time_normal_`` per library; ``track_vs_torch`` = fastinit's time on a torch tensor /
``torch.nn.init.normal_``'s, measured back to back in one process (< 1: fastinit faster)."""
import numpy as np

import fastinit
from fastinit.tools.bench.timing import best_of

from . import _common as c

SIZES = [16, 768, 768 * 768]
LIBS = ["fastinit-numpy", "fastinit-torch", "numpy", "torch"]


def _caller(lib, size):
    shape = (size,) if size < 768 * 768 else (768, 768)
    if lib == "fastinit-numpy":
        a = np.empty(shape, np.float32)
        return lambda: fastinit.normal_(a, 0.0, 0.02, seed=1)
    if lib == "numpy":
        a = np.empty(shape, np.float32)
        rng = np.random.default_rng(0)
        return lambda: rng.standard_normal(dtype=np.float32, out=a)
    torch = c.need_torch()
    t = torch.empty(shape)
    if lib == "fastinit-torch":
        return lambda: fastinit.normal_(t, 0.0, 0.02, seed=1)
    return lambda: torch.nn.init.normal_(t, 0.0, 0.02)


class SmallCalls:
    params = [SIZES, LIBS]
    param_names = ["numel", "library"]

    def setup(self, numel, library):
        self.call = _caller(library, numel)

    def time_normal_(self, numel, library):
        self.call()


class SmallCallRatio:
    params = [SIZES]
    param_names = ["numel"]
    unit = "x (fastinit time / torch time)"
    calls = 500

    def setup(self, numel):
        self.ours = _caller("fastinit-torch", numel)
        self.theirs = _caller("torch", numel)
        self.n = self.calls if numel < 768 * 768 else 5

    def _per_call(self, fn):
        def batch():
            for _ in range(self.n):
                fn()
        return best_of(batch, 5) / self.n

    def track_vs_torch(self, numel):
        return self._per_call(self.ours) / self._per_call(self.theirs)
