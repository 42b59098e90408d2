from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, utcnow
from havre.db.ownership import owned


class WatchEvent(Base):
    """One viewing of a video by a signed-in viewer: how long, whether to the end."""

    __tablename__ = "watch_events"
    __table_args__ = (
        Index("ix_watch_user_video", "user_id", "video_id"),
        {"info": owned("user_id", note="what the viewer watched, and how long")},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=PERSONAL)
    video_id: Mapped[str] = mapped_column(String(16), info=PERSONAL)
    watch_ms: Mapped[int] = mapped_column(Integer, info=PERSONAL)
    completed: Mapped[bool] = mapped_column(default=False, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
