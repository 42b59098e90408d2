"""Every job's name is declared by the package that handles it, and starts with that package's
name; every name enqueued has a handler, and every handler has someone who enqueues it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

from havre.jobs.registry import _HANDLERS
from havre.workers.handlers import load_all

SRC = Path(__file__).resolve().parents[2] / "src" / "havre"
QUEUERS = {"enqueue", "book"}  # jobs.enqueue(s, NAME, ...), jobs.book(s, NAME, ...)


def _module_name(path: Path) -> str:
    return ".".join(("havre", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")


def _value(node: ast.expr, module: Any) -> str:
    """What a name argument holds: a literal, or a constant the module can see."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return str(getattr(module, node.id))
    if isinstance(node, ast.Attribute):
        return str(getattr(_value_of_owner(node.value, module), node.attr))
    raise AssertionError(f"{module.__name__}: a job name that is not a name: {ast.dump(node)}")


def _value_of_owner(node: ast.expr, module: Any) -> Any:
    if isinstance(node, ast.Name):
        return getattr(module, node.id)
    assert isinstance(node, ast.Attribute), ast.dump(node)
    return getattr(_value_of_owner(node.value, module), node.attr)


def _enqueued() -> dict[str, list[str]]:
    """Each job name the source enqueues or books, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.parent.name == "jobs":  # the queue itself passes names on
            continue
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and len(n.args) >= 2
                 and getattr(n.func, "id", getattr(n.func, "attr", None)) in QUEUERS]
        if not calls:
            continue
        module = importlib.import_module(_module_name(path))
        for call in calls:
            found.setdefault(_value(call.args[1], module), []).append(f"{path.relative_to(SRC)}:{call.lineno}")
    return found


def _product_handlers() -> dict[str, Any]:
    """The product's handlers (other tests register their own: ``test.*``)."""
    load_all()
    return {name: fn for name, fn in _HANDLERS.items() if fn.__module__.startswith("havre.")}


def test_every_name_says_the_package_that_handles_it() -> None:
    wrong = [f"{name} is handled in {fn.__module__}" for name, fn in _product_handlers().items()
             if name.split(".")[0] != fn.__module__.split(".")[1]]
    assert wrong == []


def test_every_enqueued_name_has_a_handler_and_every_handler_an_enqueuer() -> None:
    handlers = _product_handlers()
    enqueued = _enqueued()
    unhandled = {name: where for name, where in enqueued.items() if name not in handlers}
    assert unhandled == {}, "enqueued under a name no handler registered"
    assert sorted(set(handlers) - set(enqueued)) == [], "handlers nothing enqueues"
    assert len(enqueued) >= 15, sorted(enqueued)  # the scan found the queueing calls
