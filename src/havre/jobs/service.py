"""Enqueue jobs inside the caller's transaction; wake runners only after it commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from havre.db.base import utcnow
from havre.jobs.models import QUEUED, Job

_WAKE_KEY = "havre_wake_after_commit"


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
