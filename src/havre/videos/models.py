from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from havre.db.base import OPERATIONAL, PERSONAL, PUBLIC, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import owned

PUBLIC_VIS, FOLLOWERS_VIS, PRIVATE_VIS = "public", "followers", "private"
VISIBILITIES = (PUBLIC_VIS, FOLLOWERS_VIS, PRIVATE_VIS)
# DRAFT: processed, but not posted yet: shown to its owner only (every reader for others asks READY).
PROCESSING, READY, FAILED, DRAFT = "processing", "ready", "failed", "draft"


class Video(Base):
    __tablename__ = "videos"
    __table_args__ = (
        Index("ix_videos_feed", "status", "visibility", "posted_at"),
        Index("ix_videos_like_count", "like_count"),  # For You's most liked candidates (feed.pool)
        {"info": owned("owner_id", note="the original under `originals/<id>`, derived files under `videos/<id>/`")},
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=PUBLIC)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=PUBLIC)
    caption: Mapped[str] = mapped_column(Text, default="", info=PUBLIC)
    visibility: Mapped[str] = mapped_column(String(16), default=PUBLIC_VIS, info=PUBLIC)
    status: Mapped[str] = mapped_column(String(16), default=PROCESSING, info=PUBLIC)
    error: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    # The original upload is kept apart and never served; only derived files are.
    original_key: Mapped[str] = mapped_column(String(256), info=PERSONAL)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True, info=PERSONAL)
    original_name: Mapped[str] = mapped_column(String(256), default="", info=PERSONAL)
    poster_key: Mapped[str | None] = mapped_column(String(256), info=PUBLIC)
    mp4_key: Mapped[str | None] = mapped_column(String(256), info=PUBLIC)
    hls_key: Mapped[str | None] = mapped_column(String(256), info=PUBLIC)
    duration_s: Mapped[float] = mapped_column(default=0.0, info=PUBLIC)
    width: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    height: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    like_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    comment_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    share_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    view_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PUBLIC)
    # When it was first posted: the upload time, or the original date of an imported post.
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PUBLIC)
    allow_comments: Mapped[bool] = mapped_column(default=True, server_default=true(), info=PUBLIC)
    sound_title: Mapped[str | None] = mapped_column(String(256), index=True, info=PUBLIC)
    # Where it came from when imported: the TikTok id, and its counts there (shown "on TikTok").
    tiktok_id: Mapped[str | None] = mapped_column(String(32), index=True, info=PUBLIC)
    legacy_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict, server_default="{}", info=PUBLIC)
    # Languages of its subtitle tracks, each at videos/<id>/subtitles/<lang>.vtt.
    subtitle_langs: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]", info=PUBLIC)
    # Posting choices. A draft is not posted yet: once processed its status is DRAFT, not READY.
    # ``publish_at`` is when a scheduled draft posts itself (job videos.publish).
    draft: Mapped[bool] = mapped_column(default=False, server_default=false(), info=PERSONAL)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=PERSONAL)
    # The part of the original kept (seconds of the original; None: from the start / to the end)
    # and the time of the poster's frame (seconds of the kept part; None: the default frame).
    trim_start_s: Mapped[float | None] = mapped_column(info=PERSONAL)
    trim_end_s: Mapped[float | None] = mapped_column(info=PERSONAL)
    cover_s: Mapped[float | None] = mapped_column(info=PUBLIC)

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="Rendition.height.desc()")
    hashtags: Mapped[list[VideoHashtag]] = relationship(cascade="all, delete-orphan")


class Rendition(Base):
    __tablename__ = "renditions"
    __table_args__ = {"info": owned("video_id", via="video")}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=OPERATIONAL)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True, info=PUBLIC)
    name: Mapped[str] = mapped_column(String(16), info=PUBLIC)
    width: Mapped[int] = mapped_column(Integer, info=PUBLIC)
    height: Mapped[int] = mapped_column(Integer, info=PUBLIC)
    bitrate_kbps: Mapped[int] = mapped_column(Integer, info=PUBLIC)
    mp4_key: Mapped[str] = mapped_column(String(256), info=PUBLIC)
    playlist_key: Mapped[str] = mapped_column(String(256), info=PUBLIC)

    video: Mapped[Video] = relationship(back_populates="renditions")


class VideoHashtag(Base):
    __tablename__ = "video_hashtags"
    __table_args__ = {"info": owned("video_id", via="video")}

    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, info=PUBLIC)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True, info=PUBLIC)
