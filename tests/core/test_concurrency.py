"""Many Python threads filling at once (the engine releases the GIL and opens its own
OpenMP teams) get exactly their own bits; repeated calls leak nothing."""
import os
import threading
import tracemalloc

import numpy as np

import fastinit
from fastinit import _host
from fastinit._core import _engine


def test_sixteen_threads_filling_at_once_get_their_own_bits():
    n = (1 << 17) + 3
    seeds = list(range(16))
    expected = {s: fastinit.normal(n, seed=s, stream=s, threads=1) for s in seeds}
    got, errors = {}, []
    barrier = threading.Barrier(len(seeds))

    def work(s):
        try:
            barrier.wait(timeout=60)
            for _ in range(3):
                got[s] = fastinit.normal(n, seed=s, stream=s, threads=2)
        except Exception as e:  # reported below, with the seed
            errors.append((s, e))

    threads = [threading.Thread(target=work, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a filling thread hung"
    assert not errors, errors
    for s in seeds:
        np.testing.assert_array_equal(got[s], expected[s], err_msg=f"seed {s}")


def _rss_kib():
    """Current resident set (Linux), else the peak (a weaker check)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_repeated_engine_calls_do_not_leak():
    out = np.empty(768, np.float32)
    p = _host.normal_params(_engine.F32, 0.0, 1.0)
    a = out.ctypes.data

    def burst():
        for i in range(10_000):
            _engine.fill_flat(a, _engine.F32, _engine.NORMAL, p, i, 0, 0, 768, 1)
            _engine.fill_shard(a, _engine.F32, _engine.NORMAL, p, i, 0, (24, 32), (48, 64),
                               (3, 5), 2)

    burst()                                        # warm-up
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rss0 = _rss_kib()
        burst()
        after = tracemalloc.get_traced_memory()[0]
        rss1 = _rss_kib()
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024            # Python objects: none kept per call
    assert rss1 - rss0 < 16 * 1024               # KiB: no C-side growth either
