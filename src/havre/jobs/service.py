"""Enqueue jobs inside the caller's transaction; wake runners only after it commits; say why one waits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from havre.db.base import utcnow
from havre.jobs.models import INTERRUPTED, QUEUED, RUNNING, Job

_WAKE_KEY = "havre_wake_after_commit"
# Why a job is not running now: never started yet, waiting out its backoff after an error, or its
# process stopped (a restarted runner handed it back, or its lease ran out and no runner took it yet).
Waiting = Literal["queued", "retry", "resuming"]


def enqueue(session: Session, kind: str, payload: dict[str, Any], *,
            run_after: datetime | None = None, max_attempts: int = 5, priority: int = 5) -> Job:
    """Add a job row to ``session``. Nothing runs unless the surrounding transaction commits."""
    job = Job(kind=kind, payload=payload, max_attempts=max_attempts, priority=priority)
    if run_after is not None:
        job.run_after = run_after
    session.add(job)
    session.info[_WAKE_KEY] = True
    return job


def book(s: Session, kind: str, *, in_s: float) -> None:
    """Book a job of ``kind`` in ``in_s`` seconds unless one is already waiting: a schedule made
    of one job that books its successor when it runs."""
    waiting = s.scalar(select(Job.id).where(Job.kind == kind, Job.status == QUEUED).limit(1))
    if waiting is None:
        enqueue(s, kind, {}, run_after=utcnow() + timedelta(seconds=in_s), priority=30)


def on_commit_wake(sessionmaker_or_session: Any, wake: Any) -> None:
    """Call ``wake()`` after any commit that enqueued a job (so runners don't wait a poll tick)."""

    @event.listens_for(sessionmaker_or_session, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(_WAKE_KEY, False):
            wake()


def waiting(s: Session, kind: str, key: str, value: str) -> Waiting | None:
    """Why the latest unfinished job of ``kind`` whose payload has ``key == value`` is not running
    now, for a page to say what it waits for; None when it runs (or there is none)."""
    job = s.scalars(select(Job).where(Job.kind == kind, Job.status.in_((QUEUED, RUNNING)),
                                      Job.payload[key].as_string() == value)
                    .order_by(Job.created_at.desc()).limit(1)).first()
    if job is None:
        return None
    if job.status == RUNNING:
        # A lease that ran out: its runner stopped, and the next one to look takes it.
        return "resuming" if job.locked_until is not None and job.locked_until < utcnow() else None
    if job.attempts == 0:
        return "queued"
    return "resuming" if job.last_error == INTERRUPTED else "retry"
