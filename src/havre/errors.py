"""Domain errors. Services raise these; the web layer maps them to HTTP statuses once.

Messages are user-facing: they say what was wrong and what to do next. A message is an English
template marked with ``N_`` plus named parameters, so each reader gets it in their language:
``InvalidInput(N_("Captions are at most %(max)s characters."), field="caption", max=2200)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extraction tools look for
    """Mark a message for the catalogs; it is translated where it is shown."""
    return message


class HavreError(Exception):
    status_code = 400
    retry_after_s: int | None = None  # sent as Retry-After (throttled, busy)
    # When it may be asked again, for a page to say in the reader's own time zone (JSON ``retry_at``).
    retry_at: datetime | None = None

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(self.message)
        self.field = field

    def translated(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.template)
        return text % self.params if self.params else text


class InvalidInput(HavreError):
    status_code = 400


class TooLarge(InvalidInput):
    status_code = 413


class Unauthorized(HavreError):
    status_code = 401


class NotFound(HavreError):
    status_code = 404


class Forbidden(HavreError):
    status_code = 403


class TooManyRequests(HavreError):
    """A limit on how often something may be done was reached; the client waits ``retry_after_s``."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None, **params: object) -> None:
        super().__init__(message, field=field, **params)
        self.retry_after_s = max(1, int(retry_after_s))
