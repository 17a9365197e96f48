"""No import cycle between claimtrack's packages, and none among its services.

The imports are read from the source (ast over every module, imports inside functions included: a lazy import
is a dependency all the same), so the test needs nothing imported and sees every path.  Packages are the
sub-packages (``claimtrack.services``, ``claimtrack.editor``, ...) and the top-level modules
(``claimtrack.search_index``, ``claimtrack.cli``, ...); ``claimtrack`` itself is the package's ``__init__``
(``create_app``), which may import anything and so must be imported by nothing.  Within ``services`` the
modules are use cases: they form no cycle either (a cycle there is the tangle issue 22 undid).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "claimtrack"


def module_name(path: Path, root: Path) -> str:
    """``claimtrack.services.ingest`` for ``<root>/claimtrack/services/ingest.py`` (a package is its __init__)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_imports(package: Path) -> dict[str, set[str]]:
    """Every module of ``package`` and the package's own modules it imports (relative imports resolved)."""
    root = package.parent
    paths = {module_name(path, root): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = here.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # ``from .. import config`` imports the module claimtrack.config; ``from .. import X`` of a name
                # defined in claimtrack/__init__.py imports the package itself.
                targets.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                               for alias in node.names)
        graph[module] = {target for target in targets if target in paths and target != module}
    return graph


def package_of(module: str, top: str) -> str:
    """The package a module belongs to: its sub-package of ``top``, or itself when it is a top-level module."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else top


def package_graph(modules: dict[str, set[str]], top: str = "claimtrack") -> dict[str, set[str]]:
    """The module graph folded onto packages (imports within one package dropped)."""
    graph: dict[str, set[str]] = {}
    for module, targets in modules.items():
        source = package_of(module, top)
        graph.setdefault(source, set()).update(
            package_of(target, top) for target in targets if package_of(target, top) != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def explain(graph: dict[str, set[str]], component: list[str], modules: dict[str, set[str]] | None = None) -> str:
    """The edges inside a cycle, and for packages the module imports that make them."""
    lines = []
    for source in component:
        for target in sorted(graph.get(source, set()) & set(component)):
            lines.append(f"{source} -> {target}")
            if modules is not None:
                lines += [f"    {m} imports {t}" for m, ts in sorted(modules.items()) for t in sorted(ts)
                          if package_of(m, "claimtrack") == source and package_of(t, "claimtrack") == target]
    return "\n".join(lines)


def test_no_import_cycle_between_packages():
    modules = module_imports(PACKAGE)
    graph = package_graph(modules)
    assert "claimtrack.services" in graph and "claimtrack.search_index" in graph  # the walk saw the tree
    found = cycles(graph)
    assert not found, "import cycles between packages:\n" + "\n\n".join(explain(graph, c, modules) for c in found)


def test_no_import_cycle_among_services():
    modules = module_imports(PACKAGE)
    services = {m: {t for t in ts if t.startswith("claimtrack.services.")}
                for m, ts in modules.items() if m.startswith("claimtrack.services.")}
    assert "claimtrack.services.matching" in services
    found = cycles(services)
    assert not found, "import cycles among services:\n" + "\n\n".join(explain(services, c) for c in found)


def test_nothing_imports_the_package_init():
    importers = sorted(m for m, ts in module_imports(PACKAGE).items() if "claimtrack" in ts)
    assert importers == [], f"{importers} import claimtrack/__init__.py (create_app imports them: a cycle)"


def test_a_planted_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "d": {"a"}}) == []
    # Folded onto packages: two modules of different packages importing each other are a package cycle, two of
    # one package are not.
    modules = {"pkg.alpha.x": {"pkg.beta.y"}, "pkg.beta.y": {"pkg.alpha.z"}, "pkg.alpha.z": set(),
               "pkg.gamma.u": {"pkg.gamma.v"}, "pkg.gamma.v": {"pkg.gamma.u"}}
    assert cycles(package_graph(modules, top="pkg")) == [["pkg.alpha", "pkg.beta"]]


def test_the_walker_reads_relative_lazy_and_package_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "alpha").mkdir(parents=True)
    (package / "beta").mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "config.py").write_text("")
    (package / "alpha" / "__init__.py").write_text("")
    (package / "alpha" / "x.py").write_text("from ..beta.y import f\nfrom .. import config\n")
    (package / "beta" / "__init__.py").write_text("")
    (package / "beta" / "y.py").write_text("def f():\n    from ..alpha import x  # lazy\n    from .. import VALUE\n")
    modules = module_imports(package)
    assert modules["pkg.alpha.x"] == {"pkg.beta.y", "pkg.config"}
    assert modules["pkg.beta.y"] == {"pkg.alpha.x", "pkg"}
    assert cycles(package_graph(modules, top="pkg")) == [["pkg.alpha", "pkg.beta"]]
