"""An import and its items: the plan and the progress, so a stopped import resumes where it was."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import owned

PLANNED, RUNNING, DONE, FAILED = "planned", "running", "done", "failed"
PENDING, IMPORTED, SKIPPED = "pending", "imported", "skipped"


class ImportRun(Base):
    __tablename__ = "import_runs"
    __table_args__ = {"info": owned("user_id", note="a TikTok import and its report")}

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=PERSONAL)
    source_kind: Mapped[str] = mapped_column(String(16), info=OPERATIONAL)  # export | urls | folder
    source: Mapped[str] = mapped_column(Text, info=PERSONAL)  # a path or the links, as given
    drafts: Mapped[bool] = mapped_column(default=False, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default=PLANNED, info=OPERATIONAL)
    error: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    # What the export said beyond videos (profile, following, followers), for the report.
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=OPERATIONAL)
    # Who is running it ("host:pid") until when: one process at a time; a dead one's turn passes.
    locked_by: Mapped[str | None] = mapped_column(String(64), info=OPERATIONAL)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=OPERATIONAL)


class ImportItem(Base):
    __tablename__ = "import_items"
    __table_args__ = (
        Index("ix_import_items_run", "run_id", "position"),
        {"info": owned("user_id", note="one video of an import")},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=OPERATIONAL)
    run_id: Mapped[str] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=PERSONAL)
    position: Mapped[int] = mapped_column(Integer, info=OPERATIONAL)
    label: Mapped[str] = mapped_column(Text, info=PERSONAL)  # what the report calls it: a date, a file name
    tiktok_id: Mapped[str | None] = mapped_column(String(32), info=PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, info=OPERATIONAL)
    reason: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    video_id: Mapped[str | None] = mapped_column(String(16), info=PERSONAL)
    # Everything needed to import it again after a crash: links, caption, date, sound, counts.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)


class TikTokFollower(Base):
    """Followers from the export, kept privately so the creator can invite them back."""

    __tablename__ = "tiktok_followers"
    __table_args__ = {"info": owned("user_id", note="the follower count an import brought")}

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         info=PERSONAL)
    handle: Mapped[str] = mapped_column(String(64), primary_key=True, info=PERSONAL)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, info=PERSONAL)
