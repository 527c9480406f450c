"""fastinit.diagnosis.report: the verdict rules and the report's forms, framework-free."""
import json
import math

import pytest

from fastinit.diagnosis import report as R


def test_order_and_thresholds():
    flat = [1.0, 1.0]
    assert R.classify(flat, flat).kind == "stable"
    assert R.classify([1.0, 101.0], flat).kind == "exploding"
    assert R.classify([1.0, 100.0], flat).kind == "stable"          # strictly above 100
    assert R.classify(flat, [101.0, 1.0]).kind == "exploding"       # gradient grows backward
    assert R.classify([1.0, 0.009], flat).kind == "vanishing"
    assert R.classify(flat, [1.0, 101.0]).kind == "vanishing"
    assert R.classify([1.0, math.inf], flat).kind == "exploding"
    assert R.classify([1.0, math.nan], flat).kind == "exploding"
    assert R.classify([0.0, 0.0], flat).kind == "stable"            # 0/0 reads as no growth
    assert R.classify([0.0, 1.0], flat).kind == "exploding"         # x/0
    # symmetric > saturating > dead > exploding > vanishing
    up = [1.0, 1e4]
    assert R.classify(up, flat, symmetric=True, saturated=1, dead=1).kind == "symmetric"
    assert R.classify(up, flat, saturated=0.51, dead=1).kind == "saturating"
    assert R.classify(up, flat, saturated=0.5, dead=0.91).kind == "dead"
    assert R.classify(up, flat, dead=0.9).kind == "exploding"
    assert R.classify(flat, None).grad_growth == 1.0


def test_growth_is_last_over_first_and_first_over_last():
    v = R.classify([2.0, 3.0, 8.0], [6.0, 2.0, 3.0])
    assert v.act_growth == 4.0 and v.grad_growth == 2.0
    assert v.text() == "stable (act x4, grad x2 over depth)"
    assert v.text("holds") == "holds (act x4, grad x2 over depth)"


def _layer(i, std, grad, **kw):
    return R.LayerStats(index=i, name=f"l{i}", kind="Linear", shape=(4, 3), out_mean=0.0,
                        out_std=std, zero_fraction=0.0, units=3, **kw)


def test_report_verdicts_table_and_dict():
    layers = [_layer(0, 1.0, 1.0, weighted=True, fan_in=3, fan_out=3, weight_std=0.5),
              _layer(1, 0.5, 2.0, free=True, dead_fraction=0.95),
              _layer(2, 1e3, 1.0, weighted=True, fan_in=3, fan_out=3, weight_std=math.inf)]
    for s, g in zip(layers, (4.0, 2.0, 1.0)):
        s.grad_std = g
    rep = R.Report(layers, framework="test", model="M", inputs=[(4, 3)], seed=0)
    assert [s.name for s in rep.depth] == ["l0", "l2"]
    assert rep.verdict.kind == "dead" and rep.verdict.where == "l1"
    assert rep.act_growth == 1e3 and rep.grad_growth == 4.0
    assert [s.verdict.kind for s in rep.layers] == ["stable", "dead", "exploding"]
    text = str(rep)
    assert "verdict: dead: 95% of units always 0 in layer l1" in text
    assert text.splitlines()[2].split()[:3] == ["#", "layer", "kind"]
    d = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert d["verdict"] == "dead" and d["layers"][2]["weight_std"] == "inf"
    assert d["thresholds"] == {"growth": 100.0, "saturated_h": 0.99,
                               "saturated_fraction": 0.5, "dead_fraction": 0.9}
    assert rep["l2"].verdict.kind == "exploding"
    with pytest.raises(KeyError, match="no layer named 'x'"):
        rep["x"]


def test_symmetric_needs_weight_units_and_identical_gradients():
    s = _layer(0, 0.0, 0.0, weighted=True, units_identical=True, weight_identical=True,
               grad_identical=True)
    assert s.symmetric
    assert not _layer(0, 0.0, 0.0, weighted=True, units_identical=True, weight_identical=False,
                      grad_identical=True).symmetric
    assert not _layer(0, 0.0, 0.0, weighted=True, units_identical=True, weight_identical=True,
                      grad_identical=False).symmetric
    assert not _layer(0, 0.0, 0.0, weighted=False, units_identical=True, weight_identical=True,
                      grad_identical=True).symmetric


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    layers = [_layer(i, 2.0 ** i, 1.0, weighted=True) for i in range(4)]
    for s in layers:
        s.grad_std = 1.0
    rep = R.Report(layers, framework="test", model="M", inputs=[(4, 3)], seed=0)
    rep.plot(str(tmp_path / "r.png"))
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
