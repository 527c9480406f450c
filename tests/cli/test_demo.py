"""`python -m fastinit demo`: the verdicts of the seeds' lesson, on a small network."""
import re

import numpy as np
import pytest

from fastinit.tools import demo

ARGS = ["--depth", "12", "--width", "64", "--batch", "32", "--seed", "0"]


@pytest.fixture(scope="module")
def output():
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert demo.main(ARGS) == 0
    return buf.getvalue()


def _verdicts(text):
    block = text.split("\nverdict\n", 1)[1]
    out = {}
    for line in block.splitlines():
        m = re.match(r"(\S.*? (?:tanh|relu))\s{2,}(\S.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_tables_and_verdicts(output):
    assert "activation std by layer" in output
    assert "gradient std (dLoss/dh) by layer" in output
    v = _verdicts(output)
    assert len(v) == 10, v
    assert v["He relu"].startswith("stable")
    assert v["Glorot tanh"].startswith("stable")
    assert v["small normal tanh"].startswith("vanishes")
    assert v["small normal relu"].startswith("vanishes")
    assert v["large normal relu"].startswith("explodes")
    assert v["large normal tanh"].startswith("saturates")
    for act in ("tanh", "relu"):
        assert v[f"zeros {act}"] == "symmetric: every unit identical (the symmetry problem)"


def test_columns_include_first_and_last_layer(output):
    header = output.splitlines()[3]
    assert header.split()[0] == "L1" and header.split()[-1] == "L12"


def test_run_is_deterministic_and_shaped():
    a = demo.run("He", "relu", depth=5, width=32, batch=8, seed=3)
    b = demo.run("He", "relu", depth=5, width=32, batch=8, seed=3)
    assert a["act_std"].shape == a["grad_std"].shape == (5,)
    assert np.array_equal(a["act_std"], b["act_std"])
    assert np.array_equal(a["grad_std"], b["grad_std"])
    assert not a["symmetric"]
    z = demo.run("zeros", "tanh", depth=5, width=32, batch=8, seed=3)
    assert z["symmetric"] and (z["act_std"] == 0).all() and z["grad_std"][-1] > 0


def test_weights_are_fastinit_normal():
    import fastinit
    z = demo.standard_weights(2, 16, 7)
    std = (2.0 / 16) ** 0.5
    ref = fastinit.normal((16, 16), 0.0, std, seed=7, stream=2, dtype="float64")
    assert np.array_equal(std * z[1], ref)


def test_verdict_thresholds():
    base = {"symmetric": False, "saturated": 0.0}
    ok = dict(base, act_std=np.array([1.0, 0.5]), grad_std=np.array([2.0, 1.0]))
    assert demo.verdict(ok, "relu").startswith("stable")
    up = dict(base, act_std=np.array([1.0, 101.0]), grad_std=np.array([1.0, 1.0]))
    assert demo.verdict(up, "relu").startswith("explodes")
    down = dict(base, act_std=np.array([1.0, 1.0]), grad_std=np.array([0.009, 1.0]))
    assert demo.verdict(down, "relu").startswith("vanishes")
    sat = dict(ok, saturated=0.6)
    assert demo.verdict(sat, "tanh").startswith("saturates")
    assert demo.verdict(sat, "relu").startswith("stable")


def test_bad_arguments():
    with pytest.raises(SystemExit):
        demo.main(["--depth", "0"])
    with pytest.raises(SystemExit):
        demo.main(["--seed", "-1"])
    with pytest.raises(ValueError):
        demo.run("uniform", "relu", depth=2, width=4, batch=2)


def test_plot_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "lesson.png"
    assert demo.main(["--depth", "6", "--width", "32", "--batch", "8", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in capsys.readouterr().out


def test_plot_without_matplotlib(monkeypatch, tmp_path, capsys):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    assert demo.main(["--depth", "2", "--width", "4", "--batch", "2",
                      "--plot", str(tmp_path / "x.png")]) == 2
    assert "needs matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
