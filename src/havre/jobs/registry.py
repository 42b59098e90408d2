"""Job handlers by kind. Domain packages register theirs in their ``tasks.py``.

The registry knows kinds and functions only; what a handler is given (``regions.work.JobContext``)
and which modules register handlers (``workers.handlers``) live above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Handler = Callable[[Any, dict[str, Any]], None]
H = TypeVar("H", bound=Handler)
_HANDLERS: dict[str, Handler] = {}


class PermanentJobError(Exception):
    """The job cannot succeed by retrying (bad input); fail it at once with this message."""


class UnknownJobKind(LookupError):
    pass


def handler(kind: str) -> Callable[[H], H]:
    def register(fn: H) -> H:
        _HANDLERS[kind] = fn
        return fn

    return register


def registered(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(kind) from None
