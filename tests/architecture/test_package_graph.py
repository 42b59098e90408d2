"""The package graph is one-way: each floor imports only its own floor and those below, and no
packages import each other in a loop (imports inside functions count: they are dependencies too).

Floors, bottom to top (docs/architecture.md):
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "havre"
FLOORS: tuple[tuple[str, frozenset[str]], ...] = (
    ("stores and tools", frozenset({"errors", "config", "tunables", "kept", "db", "blobs", "jobs", "media", "net",
                                           "ratelimit"})),
    ("regions", frozenset({"regions"})),
    ("domains", frozenset({"accounts", "videos", "social", "feed", "imports", "recs"})),
    ("the whole instance", frozenset({"portability"})),
    ("outside: web, runtime, CLI", frozenset({"web", "workers", "app", "commands", "cli", "demo", "__main__",
                                              "migrations"})),
)

# Inside the domain floor, bottom to top: each domain imports only those before it.
DOMAINS = ("accounts", "videos", "social", "recs", "feed", "imports")


def _node(path: Path) -> str:
    """A module's node: its top-level package (or top-level module). Alembic's migrations are a
    script Alembic runs, not part of the package an import reaches: they are a node of their own."""
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[:2] == ("db", "migrations"):
        return "migrations"
    return parts[0]


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(name, node.lineno) for name in names if name.startswith("havre.")]
    return found


def _graph() -> dict[str, dict[str, list[str]]]:
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(SRC.rglob("*.py")):
        source = _node(path)
        for name, line in _imports(ast.parse(path.read_text())):
            target = name.split(".")[1]
            if target != source:
                edges[source][target].append(f"{path.relative_to(SRC.parent)}:{line} imports {name}")
    return edges


def _floor(node: str) -> int:
    for level, (_, members) in enumerate(FLOORS):
        if node in members:
            return level
    raise AssertionError(f"havre.{node} is on no floor: add it to FLOORS here and to docs/architecture.md")


def test_every_package_is_on_a_floor_and_imports_only_downwards() -> None:
    upward = [where for source, targets in _graph().items() for target, wheres in targets.items()
              if _floor(target) > _floor(source) for where in wheres]
    assert upward == [], "imports from a higher floor:\n" + "\n".join(upward)


def test_domains_import_only_the_domains_below_them() -> None:
    assert set(DOMAINS) == FLOORS[2][1], "DOMAINS orders exactly the domain floor"
    graph = _graph()
    upward = [where for source in DOMAINS for target, wheres in graph.get(source, {}).items()
              if target in DOMAINS and DOMAINS.index(target) > DOMAINS.index(source) for where in wheres]
    assert upward == [], (f"a domain imports one above it (order: {' -> '.join(DOMAINS)}):\n" + "\n".join(upward))


def test_no_packages_import_each_other_in_a_loop() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, {})):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (loop := visit(target)):
                return loop
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (loop := visit(node)):
            steps = [graph[a][b][0] for a, b in zip(loop, loop[1:], strict=False)]
            raise AssertionError("import loop " + " -> ".join(loop) + ":\n" + "\n".join(steps))


def test_imports_inside_functions_say_why() -> None:
    # A deferred import hides a dependency from a reader of the module's head: keep one only
    # with a comment on its line, or above the block of imports it belongs to, saying why.
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and not _explained(lines, inner.lineno - 1):
                        where = f"{path.relative_to(SRC.parent)}:{inner.lineno}"
                        unexplained.append(f"{where}: {lines[inner.lineno - 1].strip()}")
    assert unexplained == [], "imports inside functions without a comment saying why:\n" + "\n".join(unexplained)


def _explained(lines: list[str], index: int) -> bool:
    while index >= 0:
        line = lines[index].strip()
        if "#" in line:
            return True
        if not line.startswith(("import ", "from ")):
            return False
        index -= 1
    return False
