"""Jobs of the feed: For You lists past their time are deleted, every hour."""

from __future__ import annotations

from typing import Any

from havre.feed import SWEEP_LISTS_JOB, lists
from havre.jobs import book, handler
from havre.regions.work import JobContext

SWEEP_EVERY_S = 3600.0


@handler(SWEEP_LISTS_JOB)
def sweep_lists(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.region.session() as s:
        lists.sweep(s)
        book(s, SWEEP_LISTS_JOB, in_s=SWEEP_EVERY_S)
        s.commit()
