"""Docs that cannot drift: every dotted name of Havre's code in backticks in docs/*.md and README.md,
and in double backticks in module, class and function docstrings, names something that exists (a
module, or an attribute of one), or a job kind that a handler registers. File names (``app.py``,
``regions.json``) are not dotted names."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import havre
from havre.jobs.registry import UnknownJobKind, registered
from havre.workers.handlers import load_all

ROOT = Path(__file__).resolve().parents[2]
OURS = {m.name for m in pkgutil.iter_modules(havre.__path__)}
NAME = r"((?:havre\.)?[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\(\))?"
FILES = (".py", ".json", ".md", ".toml", ".txt", ".html", ".js", ".css", ".zip", ".mp4", ".npz", ".csv", ".npy")


def _exists(name: str) -> bool:
    parts = name.removeprefix("havre.").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module("havre." + ".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(found, attr):
                return False
            found = getattr(found, attr)
        return True
    return False


def _is_job(name: str) -> bool:
    try:
        registered(name)
    except UnknownJobKind:
        return False
    return True


def _ours(name: str) -> bool:
    return name.removeprefix("havre.").split(".")[0] in OURS and not name.endswith(FILES)


def _named() -> list[tuple[str, str]]:
    found = [(doc.name, m.group(1)) for doc in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
             for m in re.finditer(f"`{NAME}`", doc.read_text())]
    for module in sorted((ROOT / "src" / "havre").rglob("*.py")):
        if "migrations" in module.parts:
            continue
        tree = ast.parse(module.read_text())
        for node in [tree, *ast.walk(tree)]:
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                text = ast.get_docstring(node) or ""
                found += [(str(module.relative_to(ROOT)), m.group(1)) for m in re.finditer(f"``{NAME}``", text)]
    return [(where, name) for where, name in found if _ours(name)]


def test_every_dotted_name_in_the_docs_and_docstrings_exists() -> None:
    load_all()
    named = _named()
    assert len(named) > 100  # the scan finds the names it is meant to check
    missing = sorted({(where, name) for where, name in named if not _exists(name) and not _is_job(name)})
    assert missing == [], "these names are gone or misspelt: rename them where they are written"
