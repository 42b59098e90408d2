"""Jobs of account deletion: find the accounts whose grace period is over, delete each one, and
train a region's model again without a deleted account's videos (``portability.deletion``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from havre.jobs import book, handler
from havre.jobs.models import Job
from havre.portability import DELETE_ACCOUNT_JOB, DELETE_DUE_JOB, RETRAIN_AFTER_DELETION_JOB, deletion
from havre.regions.work import JobContext

DUE_EVERY_S = 900.0  # how often each region looks for accounts whose grace period is over


@handler(DELETE_DUE_JOB)
def delete_due(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Queue the deletion of this region's accounts whose grace period is over, then book the next look."""
    deletion.queue_due_deletions(ctx.region, ctx.regions)
    with ctx.region.session() as s:
        book(s, DELETE_DUE_JOB, in_s=DUE_EVERY_S)
        s.commit()


@handler(DELETE_ACCOUNT_JOB)
def delete_one(ctx: JobContext, payload: dict[str, Any]) -> None:
    user_id = str(payload["user_id"])
    # The runner holds this row's lease when it is the account's deletion row (it always is when
    # queued by delete_due or released by an interrupted run); any other row claims that one.
    claimed = ctx.job_id == deletion.claim_id(user_id)
    try:
        deletion.delete_account(ctx.regions, user_id, claimed=claimed)
    except deletion.AlreadyDeleted:  # finished by someone else, or gone before its row was dropped
        with ctx.region.session() as s:
            s.execute(delete(Job).where(Job.id == ctx.job_id))
            s.commit()
    except deletion.BeingDeleted:
        if claimed:
            raise
        # another copy of the same request: the one holding the row finishes it


@handler(RETRAIN_AFTER_DELETION_JOB)
def retrain_after_deletion(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A deleted account's videos may be items of this region's model: train it again, keep no older version."""
    if deletion.has_model(ctx.region):
        deletion.clean_models(ctx.region, share=ctx.gateway())
    ctx.region.scrub()
