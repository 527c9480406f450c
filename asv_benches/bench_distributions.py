"""The three samplers, fastinit beside NumPy and PyTorch on the same work:
filling a preallocated buffer (time_) and allocating a new filled array (peakmem_)."""
import numpy as np

from . import _common as c


class Fill:
    """Fill a preallocated C-contiguous buffer in place."""
    params = [c.DISTS, c.DTYPES, c.SIZES, c.THREADS, c.LIBRARIES]
    param_names = ["dist", "dtype", "size", "threads", "library"]
    timeout = 300

    def setup(self, dist, dtype, size, threads, library):
        self.out = np.empty(c.shape_of(size), dtype)
        self.out.fill(0)  # fault the pages in: time the sampler, not the kernel
        self.fill = c.filler(library, dist, self.out, threads)

    def time_fill(self, dist, dtype, size, threads, library):
        self.fill()


class NewArray:
    """Allocate and fill a new array; peak resident memory of the process."""
    params = [c.DISTS, c.DTYPES, c.SIZES, c.LIBRARIES]
    param_names = ["dist", "dtype", "size", "library"]
    timeout = 300

    def setup(self, dist, dtype, size, library):
        if library == "numpy" and dist == "truncated_normal":
            raise NotImplementedError("NumPy has no truncated normal sampler")
        if library == "torch":
            c.need_torch()
        self.shape = c.shape_of(size)

    def peakmem_new(self, dist, dtype, size, library):
        c.new_array(library, dist, self.shape, dtype)
