"""Public counters (likes, comments, shares, views, followers) kept beside the thing counted.

A viewer's like lives in the viewer's home region; the video's like count lives with the video.
When both are home, the count changes in the same transaction. When the video lives elsewhere,
an outbox job pushes the anonymous delta there through the gateway, exactly once: the target
records the job id it applied (``AppliedDelta``) in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.accounts.models import User
from havre.db.base import OPERATIONAL, Base, UTCDateTime, utcnow
from havre.jobs import enqueue
from havre.regions import Region
from havre.regions.gateway import aggregate_writer, note_subjects
from havre.social import COUNT_FOLLOWERS_JOB, COUNT_VIDEO_JOB
from havre.videos.models import Video

VIDEO_FIELDS = {"likes": Video.like_count, "comments": Video.comment_count, "shares": Video.share_count,
                "views": Video.view_count}


class AppliedDelta(Base):
    __tablename__ = "applied_deltas"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, info=OPERATIONAL)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)


def first_time(s: Session, delta_id: str | None) -> bool:
    """Whether the cross-region write ``delta_id`` (its job's id) is new here; marks it applied."""
    if delta_id is None:
        return True
    if s.get(AppliedDelta, delta_id) is not None:
        return False
    s.add(AppliedDelta(id=delta_id))
    return True


@aggregate_writer
def add_video_counts(s: Session, video_id: str, *, deltas: dict[str, int], delta_id: str | None = None) -> None:
    """Add anonymous counts (likes, comments, shares, views) to a video."""
    values = {VIDEO_FIELDS[name].key: VIDEO_FIELDS[name] + step for name, step in deltas.items() if step}
    if values and first_time(s, delta_id):
        owner = s.scalar(update(Video).where(Video.id == video_id).values(**values).returning(Video.owner_id))
        note_subjects([owner] if owner else [])


def count_comment_if_open(s: Session, video_id: str) -> bool:
    """Count one more comment on a video of this region, only while its comments are on.

    Check and count in one statement on the video's row: whoever turns comments off writes
    the same row, so the two are ordered by the database (a row lock on PostgreSQL, the write
    lock on SQLite) and this finds the setting as the last commit left it."""
    counted = s.scalar(update(Video).where(Video.id == video_id, Video.allow_comments)
                       .values(comment_count=Video.comment_count + 1).returning(Video.id))
    return counted is not None


@aggregate_writer
def add_follower_count(s: Session, user_id: str, *, step: int, delta_id: str | None = None) -> None:
    """Add to a creator's anonymous follower count."""
    if step and first_time(s, delta_id):
        s.execute(update(User).where(User.id == user_id).values(follower_count=User.follower_count + step))
        note_subjects([user_id])


def count_for_video(s: Session, home: Region, video_region: Region, video_id: str, **deltas: int) -> None:
    """Count now if the video is home (caller's transaction), else queue the push to its region."""
    if video_region.name == home.name:
        add_video_counts(s, video_id, deltas=deltas)
    else:
        enqueue(s, COUNT_VIDEO_JOB, {"region": video_region.name, "target_video_id": video_id, "deltas": deltas})


def count_follower(s: Session, home: Region, creator_region: Region, creator_id: str, step: int) -> None:
    if creator_region.name == home.name:
        add_follower_count(s, creator_id, step=step)
    else:
        enqueue(s, COUNT_FOLLOWERS_JOB, {"region": creator_region.name, "target_user_id": creator_id,
                                        "step": step})
