"""The documentation: every Python example in docs/*.rst runs, and (with Sphinx
installed) the docs build with warnings as errors.

Examples are ``.. code-block:: python`` blocks, executed each in a fresh namespace,
and ``>>>`` blocks, run as doctests.  A block whose first lines say
``# requires: cupy`` (comma-separated module names) is skipped when any of those
modules is missing; ``cupy`` also needs a CUDA device."""
import doctest
import glob
import importlib.util
import os
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

REQUIRES = re.compile(r"^\s*#\s*requires:\s*(.+)$", re.M)


def _rst_files():
    return sorted(glob.glob(os.path.join(DOCS, "*.rst")))


def _indented_block(lines, i):
    """The body of a directive whose header is line i-1: skip options, then take the
    indented lines (blank lines included), dedented."""
    body = []
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
        body.append(lines[i])
        i += 1
    text = textwrap.dedent("\n".join(body))
    out, in_options = [], True
    for line in text.splitlines():
        if in_options and (line.startswith(":") or not line.strip()):
            continue
        in_options = False
        out.append(line)
    return "\n".join(out).rstrip() + "\n", i


def extract(path):
    """[(kind, first line number, code)] with kind "exec" or "doctest"."""
    lines = open(path, encoding="utf-8").read().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^\s*\.\.\s+code-block::\s*(python|py|python3)\s*$", line) or \
                re.match(r"^\s*\.\.\s+code::\s*(python|py|python3)\s*$", line):
            code, j = _indented_block(lines, i + 1)
            blocks.append(("doctest" if code.lstrip().startswith(">>>") else "exec", i + 1, code))
            i = j
            continue
        if line.lstrip().startswith(">>>"):
            start, indent = i, len(line) - len(line.lstrip())
            chunk = []
            while i < len(lines) and lines[i].strip() and \
                    len(lines[i]) - len(lines[i].lstrip()) >= indent:
                chunk.append(lines[i][indent:])
                i += 1
            blocks.append(("doctest", start + 1, "\n".join(chunk) + "\n"))
            continue
        i += 1
    return blocks


def _all_blocks():
    for path in _rst_files():
        for kind, lineno, code in extract(path):
            yield pytest.param(kind, code, id=f"{os.path.basename(path)}:{lineno}")


def _skip_unless_available(code):
    for m in REQUIRES.finditer(code):
        for name in (n.strip() for n in m.group(1).split(",")):
            if name and importlib.util.find_spec(name) is None:
                pytest.skip(f"needs {name}")
            if name == "cupy":
                cp = pytest.importorskip("cupy")
                try:
                    if cp.cuda.runtime.getDeviceCount() < 1:
                        pytest.skip("needs a CUDA device")
                except Exception:
                    pytest.skip("needs a CUDA device")


def test_docs_have_examples():
    blocks = [b for p in _rst_files() for b in extract(p)]
    assert len(blocks) >= 10
    pages = {os.path.basename(p) for p in _rst_files()}
    assert {"index.rst", "quickstart.rst", "guide.rst", "initializers.rst", "fans.rst",
            "contract.rst", "performance.rst", "asv.rst", "api.rst"} <= pages


def test_extract_handles_options_and_markers(tmp_path):
    p = tmp_path / "x.rst"
    p.write_text("Title\n=====\n\n.. code-block:: python\n   :caption: c\n\n   # requires: cupy\n"
                 "   x = 1\n\n   y = x + 1\n\nText\n\n   >>> 1 + 1\n   2\n")
    blocks = extract(str(p))
    assert [b[0] for b in blocks] == ["exec", "doctest"]
    assert blocks[0][2] == "# requires: cupy\nx = 1\n\ny = x + 1\n"
    assert REQUIRES.search(blocks[0][2]).group(1) == "cupy"


@pytest.mark.parametrize("kind, code", list(_all_blocks()))
def test_example_runs(kind, code, monkeypatch):
    _skip_unless_available(code)
    default_backend = "torch" if importlib.util.find_spec("torch") else "numpy"
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", default_backend))
    monkeypatch.chdir(ROOT)
    if kind == "exec":
        exec(compile(code, "<docs example>", "exec"), {"__name__": "__docs__"})
        return
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, {}, "docs example", "<docs>", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, code


def test_sphinx_build_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("matplotlib")
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                        "-d", str(tmp_path / "doctrees"), DOCS, str(tmp_path / "html")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    html = tmp_path / "html"
    for page in ("index", "quickstart", "guide", "initializers", "fans", "contract",
                 "performance", "asv", "api"):
        assert (html / f"{page}.html").exists(), page
    images = {p.name for p in (html / "_images").iterdir()}
    assert {"demo.png", "hist_normal.png", "speed_float32.png"} <= images
