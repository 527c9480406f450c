"""The README's Python examples run as written (its two shell commands are exercised
by CI itself)."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code):
    for mod in re.findall(r"^import (\w+)", code, re.M):
        if mod not in ("numpy", "fastinit"):
            pytest.importorskip(mod)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
