"""The package's import graph has no cycle, and no function-level import dodges one.

The graph is built from the ASTs of ``src/moderator``: an edge A -> B for every import of a
package module B in A, at module level or inside a function (``from . import x`` and
``from .m import name`` both count; ``from .pkg import sub`` points at the submodule).

Function-level imports are allowed only for one of these reasons, and the allow-lists below
say which:

- heavy third-party libraries (scikit-learn, scipy, joblib, numpy, starlette, ...; ``HEAVY``)
  are imported where they are used, so ``import moderator`` and ``moderator --help`` stay
  light (tests/test_cli_help.py); so is a package module that loads one at import time (its
  own module-level imports, or those of the package modules it imports at module level)
  (``corpora`` and ``feedback``, needed for ``--help``, build on the light ``labels``, not
  on ``model.training``, which imports scikit-learn at module level);
- the CLI commands (``moderator.cli.*``) and the package's front door (``moderator.load_model``)
  import library modules inside the command, to defer the heavy work a module pulls in until
  the command runs; that is deferral, not a dodge, because the library never imports the CLI.

Any other function-level import of a package module is a dodge of a cycle and fails the test,
except the ones listed in ``KNOWN_DODGES`` (left over, to be removed; new ones are refused).

And no module imports another's private name (``from .ngrams import _codes``): a name used
across modules is public in its one home.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = "moderator"
ROOT = Path(__file__).resolve().parent.parent / "src" / PACKAGE

# Cycles that still exist, each as the sorted tuple of its strongly connected component.
KNOWN_CYCLES: set[tuple[str, ...]] = set()

# (importing module, imported module) pairs imported inside a function to dodge a cycle.
KNOWN_DODGES: set[tuple[str, str]] = set()

# The heavy third-party libraries (as tests/test_cli_help.py lists them).
HEAVY = {"sklearn", "numpy", "scipy", "joblib", "dask", "distributed", "nltk", "starlette",
         "uvicorn", "anyio", "uvloop", "httptools"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import,
             known: dict[str, Path]) -> list[str]:
    """The package modules one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in known]
    if node.level:
        base = module.split(".")
        if not is_package:
            base.pop()
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target != PACKAGE and not target.startswith(PACKAGE + "."):
        return []
    found = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        if sub in known:
            found.append(sub)
        elif target in known:
            found.append(target)
    return sorted(set(found))


def _imports() -> list[tuple[str, str, bool, int]]:
    """(importer, imported, inside a function, line) for every package-module import."""
    known = _modules()
    found = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        function_nodes = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for inner in ast.walk(node):
                    if inner is not node:
                        function_nodes.add(id(inner))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, is_package, node, known):
                    if target != module:
                        found.append((module, target, id(node) in function_nodes, node.lineno))
    return found


def _cycles(edges: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.add(tuple(sorted(component)))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for importer, imported, _inside, _line in _imports():
        edges[importer].add(imported)
    return edges


def _defers(module: str) -> bool:
    return module == PACKAGE or module.startswith(f"{PACKAGE}.cli")


def _heavy_modules() -> set[str]:
    """Package modules that load a heavy library when imported: at their module level, or
    through a package module they import at module level."""
    known = _modules()
    heavy = set()
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            if any(name.split(".")[0] in HEAVY for name in names):
                heavy.add(module)
    top = defaultdict(set)
    for importer, imported, inside, _line in _imports():
        if not inside:
            top[importer].add(imported)
    changed = True
    while changed:
        changed = False
        for module in known:
            if module not in heavy and top[module] & heavy:
                heavy.add(module)
                changed = True
    return heavy


def test_the_graph_sees_both_kinds_of_import():
    imports = _imports()
    assert (f"{PACKAGE}.model.scoring", f"{PACKAGE}.errors", False) in {
        (a, b, inside) for a, b, inside, _ in imports}
    assert (PACKAGE, f"{PACKAGE}.model", True) in {(a, b, inside) for a, b, inside, _ in imports}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}
    assert _cycles({"a": {"b"}, "b": {"c"}}) == set()


def test_no_import_cycle():
    cycles = _cycles(_graph())
    assert cycles - KNOWN_CYCLES == set(), "new import cycle"
    assert KNOWN_CYCLES - cycles == set(), "a known cycle is gone: drop it from KNOWN_CYCLES"


def test_no_function_level_import_dodges_a_cycle():
    heavy = _heavy_modules()
    dodges = defaultdict(list)
    for importer, imported, inside, line in _imports():
        if inside and not _defers(importer) and imported not in heavy:
            dodges[(importer, imported)].append(line)
    new = {pair: lines for pair, lines in dodges.items() if pair not in KNOWN_DODGES}
    assert new == {}, "function-level import of a package module outside the CLI"
    gone = KNOWN_DODGES - set(dodges)
    assert gone == set(), "a known dodge is gone: drop it from KNOWN_DODGES"


def test_no_private_name_crosses_modules():
    known = _modules()
    crossing = set()
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = _resolve(module, path.name == "__init__.py", node, known)
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if targets and private:
                        crossing.add((module, alias.name))
    assert crossing == set()
