"""Social rows reference videos by id without a foreign key: a viewer's likes and comments
live in the viewer's home region, which need not be the video's (see docs/residency.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, PUBLIC, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import not_owned, owned


class Like(Base):
    __tablename__ = "likes"
    __table_args__ = {"info": owned("user_id", note="the viewer's row, whatever region the video is in")}

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=PERSONAL)
    video_id: Mapped[str] = mapped_column(String(16), primary_key=True, index=True, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_video", "video_id", "created_at"),
        {"info": owned("author_id", note="the author's row, whatever region the video is in")},
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=PUBLIC)
    video_id: Mapped[str] = mapped_column(String(16), info=PERSONAL)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=PERSONAL)
    body: Mapped[str] = mapped_column(Text, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)


class CountMark(Base):
    """That a member's view or share of a video was counted (social.marks), so it counts once:
    a view once per window, a share once ever. Personal: it says what they watched or shared."""

    __tablename__ = "count_marks"
    __table_args__ = (
        Index("ix_count_marks_kind_at", "kind", "at"),
        {"info": owned("user_id", note="that a member's view (kept 6 hours) or share was counted")},
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=PERSONAL)
    video_id: Mapped[str] = mapped_column(String(16), primary_key=True, index=True, info=PERSONAL)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True, info=PERSONAL)  # "view" | "share"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)


class VisitorMark(Base):
    """The same for a visitor, keyed by a hash of their browser's CSRF cookie; names nobody and is
    pruned after a day (social.marks.VISITOR_MEMORY)."""

    __tablename__ = "visitor_marks"
    __table_args__ = {
        "info": not_owned("a hash of a visitor's session cookie and the videos it viewed or shared, kept 24 hours"),
    }

    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=OPERATIONAL)
    video_id: Mapped[str] = mapped_column(String(16), primary_key=True, info=OPERATIONAL)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True, info=OPERATIONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, info=OPERATIONAL)


class Save(Base):
    """A video a member saved to their private collection ("Saved" on their profile, only they see
    it). Lives in the member's home region, whatever region the video is in; no count is kept."""

    __tablename__ = "saves"
    __table_args__ = (
        Index("ix_saves_user_created", "user_id", "created_at"),
        {"info": owned("user_id", note="a member's saved videos, private to them")},
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=PERSONAL)
    video_id: Mapped[str] = mapped_column(String(16), primary_key=True, index=True, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
