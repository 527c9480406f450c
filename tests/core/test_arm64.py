"""The CPU engine gives the same bits on aarch64 (cross-compiled, run under qemu-user)
as on this host's every SIMD path and as the installed package: tools/arm64_check.py.
Skipped where the cross compiler or qemu is missing (CI installs both and also runs
the tool with --require, so there it cannot skip silently)."""
import importlib.util
import os

import pytest

TOOL = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "tools", "arm64_check.py")


def _tool():
    if not os.path.exists(TOOL):
        pytest.skip("tools/arm64_check.py is not in this tree")
    spec = importlib.util.spec_from_file_location("arm64_check", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_harness_flags_are_setup_py_flags():
    flags = _tool().compile_args()
    # the flag that keeps aarch64 compilers from fusing a*b+c into FMA (different bits)
    assert "-ffp-contract=off" in flags and "-ffast-math" not in flags


def test_same_bits_on_aarch64(tmp_path):
    tool = _tool()
    missing = tool.missing_tools()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install gcc-aarch64-linux-gnu "
                    "qemu-user)")
    report, diffs = tool.check(str(tmp_path))
    assert any("aarch64" in line for line in report)
    assert diffs == [], "\n".join(diffs[:20])
