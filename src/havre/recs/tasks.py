"""Jobs of the recommender: folding events into per-video sums, pushing them to other regions."""

from __future__ import annotations

from typing import Any

from havre.jobs import handler
from havre.recs.signals import add_video_signals, fold
from havre.regions.work import JobContext


@handler("recs.fold")
def fold_events(ctx: JobContext, payload: dict[str, Any]) -> None:
    while True:  # a backlog is folded in batches, each committed with its mark
        with ctx.region.session() as s:
            folded = fold(s, ctx.region, ctx.regions.directory)
            s.commit()
        if folded == 0:
            return


@handler("recs.push_signals")
def push_signals(ctx: JobContext, payload: dict[str, Any]) -> None:
    target = ctx.regions.get(payload["region"])
    ctx.gateway().write_aggregate(target, add_video_signals, payload["deltas"], delta_id=ctx.job_id)
