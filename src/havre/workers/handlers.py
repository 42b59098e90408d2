"""Every domain's job handlers, loaded so that a runner knows every kind."""

from __future__ import annotations

import importlib

from havre.jobs.registry import Handler, UnknownJobKind, registered

# Modules whose import registers handlers; listed once so a worker knows every kind.
TASK_MODULES = ("havre.videos.tasks", "havre.social.tasks", "havre.imports.tasks", "havre.recs.tasks",
                "havre.feed.tasks", "havre.portability.export_requests", "havre.portability.move_requests",
                "havre.portability.tasks", "havre.workers.maintenance")


def load_all() -> None:
    # By name: the runtime sits above the domains, and a worker imports only what it runs.
    for module in TASK_MODULES:
        importlib.import_module(module)


def get_handler(kind: str) -> Handler:
    try:
        return registered(kind)
    except UnknownJobKind:
        load_all()
        return registered(kind)
