"""The package's shape (issue 17), read statically from src/fastinit with ast: no import
cycles among fastinit's modules, and no module over ~400 lines but the C sampler header."""
import ast
import os

import pytest

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
PKG = os.path.join(SRC, "fastinit")
MAX_LINES = 400
EXEMPT = {"engine/sample.h"}         # the sampling math of the contract, one header

if not os.path.isdir(PKG):     # pragma: no cover - a copy of the tests without the sources
    pytest.skip("needs the source tree (src/fastinit)", allow_module_level=True)


def _modules():
    """{dotted name: path} of every Python module of the package."""
    out = {}
    for root, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(root, f), SRC)[:-3].split(os.sep)
                if rel[-1] == "__init__":
                    rel = rel[:-1]
                out[".".join(rel)] = os.path.join(root, f)
    return out


def _imports(name, path, modules):
    """The fastinit modules ``name`` imports, anywhere in its body (function-local imports
    count: they are cycles too, only deferred)."""
    is_pkg = os.path.basename(path) == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # ``from P import N``: the module P.N if there is one, else P itself
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        state[m] = "done"
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_no_import_cycles():
    modules = _modules()
    assert "fastinit.core.request" in modules and "fastinit.engine.gpu" in modules
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}
    assert "fastinit.core.host" in graph["fastinit.core.request"]     # the walk sees imports
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("ext", [".py", ".h", ".c", ".cu", ".pyx"])
def test_no_module_over_400_lines(ext):
    long = []
    for root, _, files in os.walk(PKG):
        for f in files:
            path = os.path.join(root, f)
            rel = os.path.relpath(path, PKG).replace(os.sep, "/")
            if not f.endswith(ext) or rel in EXEMPT or rel == "engine/_engine.c":
                continue                     # _engine.c: Cython's output, not a source
            with open(path, encoding="utf-8") as fh:
                n = sum(1 for _ in fh)
            if n > MAX_LINES:
                long.append(f"{rel} ({n} lines)")
    assert not long, "split these modules: " + ", ".join(long)
