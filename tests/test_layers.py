"""The architecture as facts a machine checks: no import cycle anywhere (imports inside functions
count), and the layers load only what they should (`lint-imports` checks the declared contracts;
this checks what really gets imported at run time).
"""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

from .helpers import ROOT


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            step = next((m for m in edges if m.startswith("mocktui")), None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = counter
                    counter += 1
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
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
                    found.append(sorted(component))
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = grimp.build_graph("mocktui")
    assert len(graph.modules) > 50
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above could pass by finding nothing at all: show it finds a cycle that is there."""
    graph = grimp.build_graph("mocktui")
    graph.add_import(importer="mocktui.engine.http", imported="mocktui.engine.pipeline")
    assert any("mocktui.engine.http" in c and "mocktui.engine.pipeline" in c for c in cycles(graph))


def loaded_by(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()} | set(out.stdout.split())


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("mocktui.engine.pipeline", {"textual", "fastapi", "starlette", "uvicorn", "httpx", "redis"}),
        ("mocktui.service", {"textual", "fastapi", "starlette", "uvicorn"}),
        ("mocktui.runtime", {"textual", "mocktui.ui"}),
        ("mocktui.headless", {"textual", "mocktui.ui"}),
        ("mocktui.cli", {"textual", "fastapi", "uvicorn"}),  # `mocktui validate` stays light
    ],
)
def test_a_layer_loads_nothing_above_it(module: str, forbidden: set[str]) -> None:
    assert loaded_by(module) & forbidden == set()


def test_the_ui_never_imports_the_cli_or_the_server_directly() -> None:
    graph = grimp.build_graph("mocktui")
    ui = {m for m in graph.modules if m.startswith("mocktui.ui")}
    direct = {m for u in ui for m in graph.find_modules_directly_imported_by(u)}
    assert {m for m in direct if m.startswith(("mocktui.cli", "mocktui.server", "mocktui.headless"))} == set()
