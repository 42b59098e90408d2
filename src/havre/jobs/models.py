"""The job table (a transactional outbox): a job exists iff the change that needed it committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import not_owned

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# ``last_error`` of a job handed back by a restarted runner (its previous process died running it).
INTERRUPTED = "interrupted: the process running it stopped; its restarted runner took it back"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "status", "priority", "run_after"),
        {"info": not_owned("payloads name users and videos by key (`user_id`, `video_id`), checked key by key; "
                            "a move copies the pending jobs of the person's videos")},
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=OPERATIONAL)
    kind: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    # Payloads carry ids of the owner's rows (video id, user id): personal, kept in the home region.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, info=OPERATIONAL)
    # Lower runs first: making an upload playable must not wait behind a backlog of ladders.
    priority: Mapped[int] = mapped_column(Integer, default=5, info=OPERATIONAL)
    attempts: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5, info=OPERATIONAL)
    progress: Mapped[float] = mapped_column(default=0.0, info=OPERATIONAL)
    last_error: Mapped[str | None] = mapped_column(Text, info=OPERATIONAL)
    locked_by: Mapped[str | None] = mapped_column(String(64), info=OPERATIONAL)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=OPERATIONAL)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)
    # When a relay last handed the job to an external queue (Celery); None with in-process runners.
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=OPERATIONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=OPERATIONAL)
