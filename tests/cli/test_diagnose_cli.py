"""`python -m fastinit diagnose package.module:factory --input SHAPE [--lsuv] [--plot]`."""
import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fastinit.__main__ import main
from fastinit.diagnosis import cli

MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "diagnosis")


@pytest.fixture(autouse=True)
def models_on_path(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(MODELS)
    (tmp_path / "cli_factories.py").write_text(
        "import torch\n"
        "def deep():\n"
        "    torch.manual_seed(0)\n"
        "    layers = []\n"
        "    for _ in range(12):\n"
        "        layers += [torch.nn.Linear(32, 32), torch.nn.ReLU(inplace=True)]\n"
        "    return torch.nn.Sequential(*layers)\n"
        "two_inputs = torch.nn.Bilinear(3, 4, 5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_report_then_lsuv(capsys):
    assert main(["diagnose", "cli_factories:deep", "--input", "16x32", "--lsuv"]) == 0
    out = capsys.readouterr().out
    before, after = out.split("after LSUV:")
    assert "verdict: vanishing" in before            # torch's default init, 12 ReLU layers
    assert "LSUV: target std 1 +- 0.1; 12 layers, 2 forward passes" in before
    assert "verdict: stable" in after


def test_json_inputs_are_seeded_normals(capsys):
    assert main(["diagnose", "cli_factories:deep", "--input", "16x32", "--seed", "3",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)["report"]
    assert d["inputs"] == [[16, 32]] and d["seed"] == 3
    import fastinit
    from cli_factories import deep
    x = torch.from_numpy(fastinit.normal((16, 32), seed=3, stream=0, dtype="float32"))
    assert d == fastinit.diagnose(deep(), x, seed=3).to_dict()


def test_token_inputs_and_two_inputs(capsys):
    assert main(["diagnose", "torch_models:TinyLM", "--input", "2x8:int64:50"]) == 0
    assert "head" in capsys.readouterr().out
    assert main(["diagnose", "cli_factories:two_inputs", "--input", "4x3",
                 "--input", "4x4"]) == 0
    assert "Bilinear" in capsys.readouterr().out
    spec = cli.parse_input("5x7:int32:3")
    ids = cli.make_input(spec, 0, 0)
    assert ids.dtype == np.int32 and ids.shape == (5, 7) and 0 <= ids.min() and ids.max() < 3


def test_keras_factory(tmp_path, monkeypatch, capsys):
    import importlib.util
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    if importlib.util.find_spec("keras") is None:
        pytest.skip("needs keras")
    (tmp_path / "cli_keras.py").write_text(
        "import keras\n"
        "def net():\n"
        "    return keras.Sequential([keras.Input((6,))] +\n"
        "                            [keras.layers.Dense(6, activation='relu') for _ in range(4)])\n")
    assert main(["diagnose", "cli_keras:net", "--input", "5x6", "--lsuv", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["report"]["framework"].startswith("keras") and d["lsuv"]["converged"]
    assert len(d["after_lsuv"]["layers"]) == 4


def test_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "d.png"
    assert main(["diagnose", "cli_factories:deep", "--input", "8x32", "--lsuv",
                 "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,msg", [
    (["nomodule_xyz:f", "--input", "2x2"], "can not import 'nomodule_xyz'"),
    (["cli_factories:nothing", "--input", "2x2"], "has no attribute 'nothing'"),
    (["cli_factories", "--input", "2x2"], "package.module:factory"),
    (["cli_factories:deep", "--input", "2x5"], "the model failed on --input 2x5"),
    (["cli_factories:deep", "--input", "2x32", "--seed", "-1"], "--seed"),
])
def test_errors_exit_2(argv, msg, capsys):
    assert main(["diagnose", *argv]) == 2
    assert msg in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["8x", "0x3", "2x2:float16", "2x2:int64", "2x2:float32:4"])
def test_bad_input_specs(spec, capsys):
    with pytest.raises(SystemExit) as e:
        main(["diagnose", "cli_factories:deep", "--input", spec])
    assert e.value.code == 2 and "--input" in capsys.readouterr().err
