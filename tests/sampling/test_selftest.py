"""python -m fastinit selftest at a CI size (the 10**8 run is in docs/quality.rst)."""
import numpy as np
import pytest

pytest.importorskip("scipy")

from fastinit.tools import selftest
from fastinit.__main__ import main as cli_main


def test_battery_passes_at_ci_size(capsys):
    assert cli_main(["selftest", "--size", "400000", "--alpha", "1e-6"]) == 0
    out = capsys.readouterr().out
    # every case reports its chi2, pairs and (normal) tail lines
    assert out.count(" chi2 ") == len(selftest.CASES)
    assert out.count(" pairs ") == len(selftest.CASES)
    assert "|z| > 4" in out and "FAIL" not in out


def test_float32_normal_reaches_past_5_9_sigma():
    # contract 2: u1 has 40 bits; with 24 bits no |z| ever exceeded 5.887
    res = dict((c, (d, p)) for c, d, p in selftest.check_case(
        "normal", "normal", "float32", (0.0, 1.0), 1 << 22, seed=5))
    assert float(res["max |z|"][0]) > 4.5
    assert res["|z| > 4"][1] > 1e-6


def test_battery_catches_a_lumpy_generator(monkeypatch):
    """Uniform values on a 2**-12 grid instead of 2**-24: the chi2 must fail."""
    real = selftest._make

    def coarse(dist, dtype, params, n, start, total, seed, stream):
        x = real(dist, dtype, params, n, start, total, seed, stream)
        return (np.floor(x * 4096) / 4096).astype(x.dtype)

    monkeypatch.setattr(selftest, "_make", coarse)
    res = {c: p for c, _, p in selftest.check_case("uniform", "uniform", "float32", (0.0, 1.0), 1 << 20)}
    assert res["chi2"] < 1e-6


def test_battery_catches_correlated_pairs(monkeypatch):
    real = selftest._make

    def paired(dist, dtype, params, n, start, total, seed, stream):
        x = real(dist, dtype, params, n, start, total, seed, stream)
        x[1::2] = x[0::2]           # second of each pair repeats the first
        return x

    monkeypatch.setattr(selftest, "_make", paired)
    res = {c: p for c, _, p in selftest.check_case("normal", "normal", "float64", (0.0, 1.0), 1 << 18)}
    assert res["pairs"] < 1e-6


def test_size_is_checked(capsys):
    with pytest.raises(SystemExit):
        selftest.main(["--size", "10"])
    assert "--size" in capsys.readouterr().err
