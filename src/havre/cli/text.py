"""How the CLI words what it prints: counts with their noun, aligned tables, due times."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 video``, ``2 videos``, ``0 videos``: the number with its noun, in the right number."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as lines, every column as wide as its widest cell (two spaces between columns); the
    last column is not padded, so lines carry no trailing spaces."""
    if not rows:
        return ""
    widths = [max(len(row[col]) for row in rows if col < len(row)) for col in range(max(len(r) for r in rows))]
    return "\n".join("  ".join(cell.ljust(widths[col]) for col, cell in enumerate(row)).rstrip() for row in rows)


def until(when: datetime, now: datetime) -> str:
    """How far off ``when`` is, rounded as a person says it: ``now``, ``in 40 s``,
    ``in 4 min``, ``in 3 h``, ``in 2 days`` (or ``40 s ago``... for a time already past)."""
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        return "now"
    span = abs(seconds)
    if span < 60:
        said = f"{math.ceil(span)} s"
    elif span < 3600:
        said = f"{max(1, round(span / 60))} min"
    elif span < 48 * 3600:
        said = f"{max(1, round(span / 3600))} h"
    else:
        said = count(round(span / 86400), "day")
    return f"in {said}" if seconds > 0 else f"{said} ago"


def utc(when: datetime, now: datetime) -> str:
    """``17:40 UTC`` today, ``2026-12-08 17:40 UTC`` on another day."""
    return when.strftime("%H:%M UTC" if when.date() == now.date() else "%Y-%m-%d %H:%M UTC")


def due(when: datetime, now: datetime) -> str:
    """``in 4 min (17:40 UTC)``: when a delayed job comes due, relative and absolute."""
    return f"{until(when, now)} ({utc(when, now)})"
