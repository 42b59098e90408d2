"""Jobs of the recommender: folding events into per-video sums, pushing them to other regions,
and training each region's model on a schedule."""

from __future__ import annotations

from typing import Any

from havre.jobs import book, handler
from havre.recs import FOLD_JOB, PUSH_SIGNALS_JOB, TRAIN_JOB
from havre.recs.signals import add_video_signals, fold
from havre.regions.work import JobContext


@handler(FOLD_JOB)
def fold_events(ctx: JobContext, payload: dict[str, Any]) -> None:
    while True:  # a backlog is folded in batches, each committed with its mark
        with ctx.region.session() as s:
            folded = fold(s, ctx.region, ctx.regions.directory)
            s.commit()
        if folded == 0:
            return


@handler(PUSH_SIGNALS_JOB)
def push_signals(ctx: JobContext, payload: dict[str, Any]) -> None:
    target = ctx.regions.get(payload["region"])
    ctx.gateway().write_aggregate(target, add_video_signals, payload["deltas"], delta_id=ctx.job_id)


@handler(TRAIN_JOB)
def train_model(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Train this region's model again, then book the next training (a schedule of one job)."""
    # numpy and scipy load only in the process that trains, after the thread limit is set.
    from havre.recs.blas import limit_threads

    limit_threads()
    from havre.recs.live import train_region  # (deferred: see above)

    train_region(ctx.region, progress=ctx.report_progress, share=ctx.gateway(), k=ctx.settings.recs_k_anonymity)
    with ctx.region.session() as s:
        book(s, TRAIN_JOB, in_s=ctx.settings.recs_train_interval_s)
        s.commit()


