"""Speed-ups of fastinit over NumPy and PyTorch on the same work, measured inside one
process (best of N with time.perf_counter, each side timed back to back), so machine
noise largely cancels and a regression shows as a drop in the ratio.

``track_speedup`` = best time of the baseline / best time of fastinit, both filling the
same preallocated 4M-element buffer; with ``threads="all"`` both sides get every core
(NumPy has only one: the ratio then shows what threading buys over NumPy)."""
import time

import numpy as np

from fastinit.tools.bench.timing import best_of

from . import _common as c

SIZE = 1 << 22
REPEATS = 5


def best_time(fn, repeats):
    return best_of(fn, repeats)     # the one timer of fastinit.tools.bench


class Speedup:
    params = [c.DISTS, c.DTYPES, c.THREADS, ["numpy", "torch"]]
    param_names = ["dist", "dtype", "threads", "baseline"]
    unit = "x (baseline time / fastinit time)"
    timeout = 300
    size = SIZE
    repeats = REPEATS

    def setup(self, dist, dtype, threads, baseline):
        self.out = np.zeros(c.shape_of(self.size), dtype)
        # NumPy always runs on one thread; fastinit and torch get `threads`
        self.other = c.filler(baseline, dist, self.out, "1" if baseline == "numpy" else threads)
        self.mine = c.fastinit_filler(dist, self.out, threads)

    def track_speedup(self, dist, dtype, threads, baseline):
        ours = best_time(self.mine, self.repeats)
        time.sleep(0.02)  # let idle OpenMP workers stop spinning before the baseline runs
        theirs = best_time(self.other, self.repeats)
        return theirs / ours
