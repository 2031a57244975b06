"""The project's import graph: no cycle in ``signering/`` or ``web/``, no borrowed private names.

Imports are read with ``ast`` from every module, including imports inside functions: a lazy
import hides a cycle from the interpreter but not from the design, so it counts the same.
An edge ``a -> b`` means module ``a`` names module ``b`` in an import; ``from pkg import name``
is an edge to ``pkg.name`` when that is a module, and to ``pkg`` otherwise.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("signering", "web")


@dataclass
class Graph:
    modules: dict[str, str] = field(default_factory=dict)  # dotted name -> file path
    edges: dict[str, set[str]] = field(default_factory=dict)
    private_imports: list[str] = field(default_factory=list)  # "a imports _x from b"


def _module_files() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, package)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
            for filename in sorted(filenames):
                if not filename.endswith(".py"):
                    continue
                path = os.path.join(dirpath, filename)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                if dotted.endswith(".__init__"):
                    dotted = dotted[: -len(".__init__")]
                found[dotted] = path
    return found


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The dotted name a (possibly relative) ``from … import`` refers to."""
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _owner(name: str, modules: dict[str, str]) -> str | None:
    """The project module that ``name`` is, or the nearest enclosing one that is."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def build_graph() -> Graph:
    graph = Graph(modules=_module_files())
    modules = graph.modules
    for module, path in modules.items():
        is_package = path.endswith("__init__.py")
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), filename=path)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    owner = _owner(alias.name, modules)
                    if owner:
                        targets.add(owner)
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, is_package, node.level, node.module)
                source_owner = _owner(source, modules)
                if source_owner is None:
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in modules:
                        targets.add(submodule)
                        continue
                    targets.add(source_owner)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        graph.private_imports.append(
                            f"{module} imports {alias.name} from {source_owner}")
        targets.discard(module)
        graph.edges[module] = targets
    return graph


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively; returns only the components that are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_graph_sees_the_project():
    graph = build_graph()
    assert "web.app" in graph.modules and "signering.workflow.finalize" in graph.modules
    assert "web.app" in graph.edges["web.wsgi"]


def test_lazy_imports_count():
    """An import inside a function is an edge too, or a lazy import could hide a cycle."""
    tree = ast.parse("def f():\n    from .b import x\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_signering_or_web():
    cycles = strongly_connected(build_graph().edges)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_imports_another_modules_private_names():
    private = build_graph().private_imports
    assert private == [], "\n".join(private)


if __name__ == "__main__":
    # Measuring aid: how many modules sit in import cycles, per package.
    graph = build_graph()
    for cycle in strongly_connected(graph.edges):
        print(len(cycle), " ".join(cycle))
    for package in PACKAGES:
        count = sum(len(c) for c in strongly_connected(graph.edges) if c[0].startswith(package + "."))
        print(package, count)
    print("\n".join(graph.private_imports))
