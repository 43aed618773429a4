"""The project's modules import each other without circles, seen through any module.

`lint-imports`' acyclic_siblings contract looks at the siblings of a package one level at a
time, so a circle through a package's `__init__` (a package that re-exports a submodule
importing the package back) passes it. This test builds the whole import graph, imports
inside functions and under TYPE_CHECKING included, and fails on any cycle at all.
"""

from __future__ import annotations

import configparser
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter"]["root_packages"].split()


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that reach each other (Tarjan's strongly connected components)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]  # iterative: the graph is deeper than recursion likes
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    cycles.append(sorted(group))
    return cycles


def test_no_module_of_the_project_is_part_of_an_import_circle():
    graph = grimp.build_graph(*root_packages(), cache_dir=None)
    cycles = import_cycles(graph)
    described = []
    for group in cycles:
        chain = graph.find_shortest_chain(importer=group[0], imported=group[-1]) or ()
        back = graph.find_shortest_chain(importer=group[-1], imported=group[0]) or ()
        described.append(f"{' -> '.join(chain)} and back: {' -> '.join(back)}")
    assert cycles == [], "import circles:\n" + "\n".join(described)


def test_the_circle_finder_sees_a_circle_through_a_package_init(tmp_path, monkeypatch):
    """A package whose `__init__` imports a module that imports the package back."""
    pkg = tmp_path / "circlepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from circlepkg.ops import run\n")
    (pkg / "ops.py").write_text("def run():\n    from circlepkg import helper  # inside a function\n")
    (pkg / "helper.py").write_text("import circlepkg\n")
    (pkg / "leaf.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circlepkg", cache_dir=None)
    assert import_cycles(graph) == [["circlepkg", "circlepkg.helper", "circlepkg.ops"]]
