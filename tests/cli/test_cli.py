"""`python -m fastinit`: info, bench (tiny sizes; speed itself is never asserted)."""
import json
import subprocess
import sys

from fastinit.tools import bench


def _run(*args):
    return subprocess.run([sys.executable, "-m", "fastinit", *args], capture_output=True,
                          text=True, check=True).stdout


def test_info_names_the_simd_path():
    out = _run("info")
    assert "fastinit" in out and "simd:" in out and "forked_serial: False" in out


def test_bench_rows_and_table():
    rows = bench.cpu_rows(numel=1 << 12, repeat=1, threads=2)
    names = {r["name"] for r in rows}
    assert {"uniform float32", "normal float64", "truncated_normal float32",
            "fill (write limit) float32"} <= names
    for r in rows:
        if r["dist"] != "fill":
            assert r["melem_s_fastinit"] > 0
            assert r["threads"] in (1, 2)
    text = bench.table(rows)
    assert "uniform float32" in text and "x numpy" in text


def test_bench_json_cli():
    data = json.loads(_run("bench", "--json", "--numel", "4096", "--repeat", "1", "--no-catalog",
                           "--simd", "generic"))
    assert data["machine"]["simd"] == "generic"
    assert any(r["dist"] == "normal" and r["melem_s_fastinit"] > 0 for r in data["rows"])
