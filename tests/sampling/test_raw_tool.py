"""tools/fastinit_raw.py (the dieharder feed): its bytes are the contract's words, in the
documented interleavings; a one-test dieharder smoke run where dieharder is installed."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import reference as ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "fastinit_raw.py")


def _raw(mode, n, seed=7, stream=5):
    out = subprocess.run([sys.executable, TOOL, mode, "--words", str(n), "--seed", str(seed),
                          "--stream", str(stream)], check=True, capture_output=True).stdout
    return np.frombuffer(out, "<u4")


def test_sequential_is_the_stream():
    np.testing.assert_array_equal(_raw("seq", 1000), ref.words(7, 5, 0, 1000))


def test_interleavings():
    s = _raw("streams", 1000)
    np.testing.assert_array_equal(s[0::2], ref.words(7, 5, 0, 500))
    np.testing.assert_array_equal(s[1::2], ref.words(7, 6, 0, 500))
    k = _raw("seeds", 1000)
    np.testing.assert_array_equal(k[0::2], ref.words(7, 5, 0, 500))
    np.testing.assert_array_equal(k[1::2], ref.words(8, 5, 0, 500))


@pytest.mark.skipif(shutil.which("dieharder") is None, reason="dieharder not installed")
def test_dieharder_smoke():
    feed = subprocess.Popen([sys.executable, TOOL, "seq"], stdout=subprocess.PIPE)
    try:
        res = subprocess.run(["dieharder", "-g", "200", "-d", "0"], stdin=feed.stdout,
                             capture_output=True, text=True, timeout=120)
    finally:
        feed.stdout.close()
        feed.kill()
        feed.wait()
    line = [x for x in res.stdout.splitlines() if "diehard_birthdays" in x]
    assert line and "FAILED" not in line[0], res.stdout
