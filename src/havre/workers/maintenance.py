"""Upkeep of each region's database, on a schedule: the planner's statistics, once a day."""

from __future__ import annotations

from typing import Any

from havre.db.migrate import refresh_statistics
from havre.jobs import book, handler
from havre.regions.work import JobContext
from havre.workers import ANALYZE_JOB

ANALYZE_EVERY_S = 86400.0


@handler(ANALYZE_JOB)
def analyze(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Refresh the planner's statistics (tables grow; plans chosen on an empty one go wrong), then
    book the next time."""
    refresh_statistics(ctx.region.engine)
    with ctx.region.session() as s:
        book(s, ANALYZE_JOB, in_s=ANALYZE_EVERY_S)
        s.commit()
