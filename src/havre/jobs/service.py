"""Enqueue jobs inside the caller's transaction; wake runners only after it commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from havre.jobs.models import Job

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


def on_commit_wake(sessionmaker_or_session: Any, wake: Any) -> None:
    """Call ``wake()`` after any commit that enqueued a job (so runners don't wait a poll tick)."""

    @event.listens_for(sessionmaker_or_session, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(_WAKE_KEY, False):
            wake()
