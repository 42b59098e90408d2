"""Job handlers by kind. Domain packages register theirs in their ``tasks.py``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from havre.config import Settings
    from havre.regions.gateway import Gateway
    from havre.regions.registry import Region, Regions


@dataclass(frozen=True, kw_only=True)
class JobContext:
    region: Region
    regions: Regions
    settings: Settings
    job_id: str
    attempt: int
    report_progress: Callable[[float], None]
    max_attempts: int = 5

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    def gateway(self) -> Gateway:
        from havre.regions.gateway import Gateway

        return Gateway(self.regions, home=self.region, actor=f"{self.region.name}:job")


class PermanentJobError(Exception):
    """The job cannot succeed by retrying (bad input); fail it at once with this message."""


Handler = Callable[[JobContext, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}

# Modules whose import registers handlers; listed once so a worker knows every kind.
TASK_MODULES = ("havre.videos.tasks", "havre.social.tasks", "havre.imports.tasks")


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def get_handler(kind: str) -> Handler:
    if kind not in _HANDLERS:
        load_all()
    return _HANDLERS[kind]


def load_all() -> None:
    for module in TASK_MODULES:
        importlib.import_module(module)
