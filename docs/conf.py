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
sys.path.insert(0, HERE)

import fastinit  # noqa: E402

project = "fastinit"   # distribution: fastinit-nn
author = "fastinit developers"
copyright = "fastinit developers"
release = fastinit.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "_generated/*.txt", "README*"]
templates_path = []
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["fastinit.css"]      # wider page: tables and code lines fit (see file)
html_theme_options = {"description": "Fast, reproducible weight initialisation",
                      "fixed_sidebar": True}
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False}
# optional frameworks: document their adapters even where they are not installed
def _missing(module):
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


autodoc_mock_imports = [m for m in ("torch", "keras", "dask", "cupy", "jax") if _missing(m)]
suppress_warnings = []
# Keras 3 needs a backend before import; TensorFlow is not a fastinit dependency
os.environ.setdefault("KERAS_BACKEND", "numpy" if _missing("torch") else "torch")

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


def _keras_api(path):
    """The Keras section of the API page: autodoc where Keras is installed; otherwise
    the module's docstring and class list read from its source (mocking Keras would
    turn the decorated initializer classes into mocks)."""
    if not _missing("keras"):
        text = ".. automodule:: fastinit.keras\n"
    else:
        import ast
        src = os.path.join(ROOT, "src", "fastinit", "keras.py")
        tree = ast.parse(open(src, encoding="utf-8").read())
        names = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__"
                                                    for t in node.targets):
                names = [e.value for e in node.value.elts]
        doc = ast.get_docstring(tree) or ""
        text = (".. module:: fastinit.keras\n\n" + doc + "\n\n"
                "(Keras was not installed when these pages were built, so the classes are "
                "listed without their signatures.)\n\n"
                + "".join(f"* ``fastinit.keras.{n}``\n" for n in names))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = open(path).read() if os.path.exists(path) else None
    if old != text:     # keep the mtime, so an unchanged page is not rebuilt
        with open(path, "w") as f:
            f.write(text)


_keras_api(os.path.join(HERE, "_generated", "api_keras.rst.txt"))


def _generate(app):
    import figures
    figures.generate(os.path.join(HERE, "_generated"))


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("autodoc-process-docstring", _escape_torch_names)
    return {"parallel_read_safe": True}
