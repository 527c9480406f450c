"""Fork safety (issue 12).  GNU libgomp's thread pool does not survive fork(): a
threaded fill in the child used to hang.  The engine switches a forked child to serial
fills; seed=None in a child draws from fresh entropy.  Every wait here has a timeout,
so a regression fails the test instead of hanging CI."""
import functools
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import pytest

import fastinit
from fastinit.engine import _engine

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                       reason="needs fork() (Linux)"),
    # forking a process that has OpenMP threads is exactly what is under test
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

N = 1 << 18   # several jobs: a threaded fill really opens an OpenMP region


def _wait(pid, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail(f"forked child did not finish within {timeout} s (hung fill?)")


def test_threaded_fill_in_child_after_threaded_fill_in_parent():
    expected = fastinit.uniform(N, seed=1, threads=2)     # parent's pool now exists
    assert not _engine.forked_serial()
    pid = os.fork()
    if pid == 0:   # child: never return into pytest
        code = 1
        try:
            got = fastinit.uniform(N, seed=1, threads=2)
            code = 0 if _engine.forked_serial() and np.array_equal(got, expected) else 2
        finally:
            os._exit(code)
    assert _wait(pid) == 0
    # the parent keeps its threads and its bits
    np.testing.assert_array_equal(fastinit.uniform(N, seed=1, threads=2), expected)


def test_fork_pool_map_completes_with_correct_bits():
    fastinit.normal(N, seed=3, threads=2)
    fill = functools.partial(fastinit.normal, seed=3, threads=2)
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map_async(fill, [N, N, 7]).get(timeout=120)
        flags = pool.map_async(_forked_serial_flag, [0, 1]).get(timeout=60)
    expected = fastinit.normal(N, seed=3)
    for got in results[:2]:
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(results[2], expected[:7])
    assert flags == [True, True]


def _forked_serial_flag(_):
    return _engine.forked_serial()


def test_seed_none_children_never_repeat_parent_or_siblings():
    fastinit.seed(11)
    fastinit.normal(4)        # the parent has drawn stream 0
    with mp.get_context("fork").Pool(3) as pool:
        # chunksize 1 with more tasks than workers: each worker draws several times
        draws = pool.map_async(_draw, range(6), chunksize=1).get(timeout=120)
    parent_next = fastinit.normal(4)
    rows = [d.tobytes() for d in draws] + [parent_next.tobytes()]
    assert len(set(rows)) == len(rows)
    # the parent's own sequence is untouched: its next draw is still stream 1 of seed 11
    np.testing.assert_array_equal(parent_next, fastinit.normal(4, seed=11, stream=1))


def _draw(_):
    return fastinit.normal(4)


def test_explicit_seed_keeps_its_meaning_in_child():
    with mp.get_context("fork").Pool(2) as pool:
        got = pool.map_async(functools.partial(fastinit.normal, seed=9, stream=4),
                             [5, 5]).get(timeout=60)
    for g in got:
        np.testing.assert_array_equal(g, fastinit.normal(5, seed=9, stream=4))
