"""Sphinx configuration for fastinit.

Build:  python -m sphinx -W -b html docs docs/_build/html
Needs:  sphinx, matplotlib (figures are drawn at build time into docs/_generated/ by
        docs/figures.py: the demo's depth plot, sample histograms against the exact
        densities, and speed charts from docs/bench_results.json).
Frameworks (torch, keras, dask, cupy, jax) are optional: missing ones are mocked for
autodoc, so the API pages build without them.
"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import fastinit  # noqa: E402

project = "fastinit"
author = "fastinit developers"
copyright = "fastinit developers"
release = fastinit.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "_generated/*.txt", "README*"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Fast, reproducible weight initialisation",
                      "fixed_sidebar": True}
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False}
# optional frameworks: document their adapters even where they are not installed
autodoc_mock_imports = [m for m in ("torch", "keras", "dask", "cupy", "jax")
                        if importlib.util.find_spec(m) is None]
suppress_warnings = []
# Keras 3 needs a backend before import; TensorFlow is not a fastinit dependency
os.environ.setdefault("KERAS_BACKEND", "torch" if importlib.util.find_spec("torch") else "numpy")

_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`\\])([A-Za-z][A-Za-z0-9_.]*?)_(?![\w`])")


def _escape_torch_names(app, what, name, obj, options, lines):
    """Docstrings name torch functions like ``xavier_uniform_`` in plain text, which
    reStructuredText reads as a link target; escape the trailing underscore outside
    literals and roles."""
    for i, line in enumerate(lines):
        parts = _LITERAL.split(line)
        for j in range(0, len(parts), 2):
            parts[j] = _TRAILING_UNDERSCORE.sub(r"\1\\_", parts[j])
        lines[i] = "".join(parts)


def _generate(app):
    import figures
    figures.generate(os.path.join(HERE, "_generated"))


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("autodoc-process-docstring", _escape_torch_names)
    return {"parallel_read_safe": True}
