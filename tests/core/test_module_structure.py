"""The package's shape, read statically (ast over src/fastinit): no import cycles among
fastinit's modules at module level (imports inside functions are lazy -- optional
frameworks, the GPU path -- and are not counted), and no source file over ~400 lines
except the C sampler header."""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "src", "fastinit")
ROOT = os.path.normpath(ROOT)
MAX_LINES = 420
# the one file allowed to be longer: the C sampler header (the per-element steps of
# every distribution and format, kept together on purpose)
LONG_FILES = {"engine/sample.h": "the C sampler header"}

if not os.path.isdir(ROOT):     # pragma: no cover - tests run against an installed copy
    pytest.skip("needs the source tree (src/fastinit)", allow_module_level=True)


def _modules():
    """{dotted name: (path, is_package)} of every .py under src/fastinit."""
    mods = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].split(os.sep)
            is_pkg = rel[-1] == "__init__"
            name = ".".join(rel[:-1] if is_pkg else rel)
            mods[name] = (path, is_pkg)
    return mods


def _type_checking(node):
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or \
        (isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(tree):
    """[(node, at module level)] of the import statements, skipping TYPE_CHECKING blocks."""
    out = []

    def walk(node, top):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append((child, top))
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                   ast.Lambda))
            walk(child, inner)
    walk(tree, True)
    return out


def _targets(mod, is_pkg, node, mods):
    """The fastinit modules an import statement loads (parent packages included)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = mod.split(".") if is_pkg else mod.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
    found = set()
    for n in names:
        parts = n.split(".")
        for i in range(1, len(parts) + 1):
            cand = ".".join(parts[:i])
            if cand in mods:
                found.add(cand)
    # the importer's own packages are already being imported: no edge to them
    own = {".".join(mod.split(".")[:i]) for i in range(1, mod.count(".") + 2)}
    return found - own


def _graph(level):
    mods = _modules()
    graph = {m: set() for m in mods}
    for m, (path, is_pkg) in mods.items():
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        for node, top in _imports(tree):
            if top == (level == "module"):
                graph[m] |= _targets(m, is_pkg, node, mods)
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_scan_sees_the_layers():
    g = _graph("module")
    assert "fastinit.core.request" in g["fastinit.catalog.random"]
    assert "fastinit.compat.torch" in g["fastinit.backends.dtensor"]
    assert "fastinit.torch.nn_init" in g["fastinit.torch"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_at_module_level():
    assert _cycles(_graph("module")) == []


def _source_files():
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith((".py", ".pyx", ".h", ".c", ".cu")):
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                if f.endswith(".c") and "Generated by Cython" in text[:200]:
                    continue
                yield os.path.relpath(path, ROOT).replace(os.sep, "/"), text.count("\n")


def test_no_module_over_400_lines():
    long = {rel: n for rel, n in _source_files() if n > MAX_LINES and rel not in LONG_FILES}
    assert long == {}, f"split these (at most ~{MAX_LINES} lines each): {long}"
