"""What viewers do with videos: the recommender's signals, kept in the viewer's home region.

The player sends what only it sees (an impression, a play, a skip, a loop, "not interested") in
batches (``navigator.sendBeacon`` when the page hides); how long a video was watched, and whether
to the end, comes with its view (``feed.service.record_view``). Likes, comments, shares and
follows are not copied here: the ranker reads them where they are kept (``feed.taste``). Rows are
written with one ``executemany`` per batch, and nothing reads them whole: the ranker reads a
viewer's latest events through ``ix_feed_events_user`` (bounded), and ``recs.signals`` folds
them into per-video aggregates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Table, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, utcnow
from havre.db.ownership import owned
from havre.errors import N_, InvalidInput

IMPRESSION, PLAY, WATCH, COMPLETE, LOOP, SKIP, NOT_INTERESTED = (
    "impression", "play", "watch", "complete", "loop", "skip", "not_interested")
# What the player's batches carry; a view brings WATCH or COMPLETE with its watch time.
PLAYER_KINDS = frozenset({IMPRESSION, PLAY, LOOP, SKIP, NOT_INTERESTED})
KINDS = PLAYER_KINDS | {WATCH, COMPLETE}
MAX_BATCH = 200
MAX_WATCH_MS = 60 * 60 * 1000  # the most a view may claim at all (the player's counter is in ms)
# A view's watch time counts at most this many plays of the video: loops past it say no more.
PLAYS_PER_VIEW = 3
# One screen plays one video at a time, so a view cannot claim more than the time since the
# viewer's previous one; requests of one page may arrive this much out of order.
CLOCK_SLACK_MS = 1000
# "Not interested" lasts: the newest this many marks of a viewer are read wherever they fall in
# their history (``ix_feed_events_user_kind``), by For You (feed.taste) and Following.
MAX_DISMISSED = 1_000
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
# 64-bit on PostgreSQL (billions of events); SQLite's INTEGER key is 64-bit and autoincrements only so.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class FeedEvent(Base):
    """One thing a signed-in viewer did with a video."""

    __tablename__ = "feed_events"
    __table_args__ = (
        Index("ix_feed_events_user", "user_id", "id"),
        Index("ix_feed_events_user_video", "user_id", "video_id"),
        # A viewer's "not interested" marks, read on every page wherever they are in the history.
        Index("ix_feed_events_user_kind", "user_id", "kind", "id"),
        {"info": owned("user_id", note="what the viewer did with a video (played, watched to the end, "
                                       "skipped, not interested...): the recommender's signals")},
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True, info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=PERSONAL)
    video_id: Mapped[str] = mapped_column(String(16), info=PERSONAL)
    kind: Mapped[str] = mapped_column(String(16), info=PERSONAL)
    watch_ms: Mapped[int] = mapped_column(Integer, default=0, info=PERSONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)


EVENTS_TABLE = cast(Table, FeedEvent.__table__)


@dataclass(frozen=True, kw_only=True)
class Signal:
    video_id: str
    kind: str
    watch_ms: int = 0


def check_batch(signals: list[Signal], *, kinds: frozenset[str] = PLAYER_KINDS) -> None:
    """Refuse a batch the player could not have sent, naming the first problem; nothing is kept."""
    if len(signals) > MAX_BATCH:
        raise InvalidInput(N_("Send at most %(limit)s events at a time."), field="events", limit=MAX_BATCH)
    for n, signal in enumerate(signals):
        if signal.kind not in kinds:
            raise InvalidInput(N_("Event %(n)s has an unknown kind %(kind)r."), field="events", n=n, kind=signal.kind)
        if not VIDEO_ID.fullmatch(signal.video_id):
            raise InvalidInput(N_("Event %(n)s names no video."), field="events", n=n)
        if not 0 <= signal.watch_ms <= MAX_WATCH_MS:
            raise InvalidInput(N_("Event %(n)s: watch_ms must be between 0 and one hour."), field="events", n=n)


def record(s: Session, user_id: str, signals: list[Signal], *, kinds: frozenset[str] = PLAYER_KINDS) -> int:
    """Add a batch of one viewer's events in the caller's transaction, in one statement."""
    check_batch(signals, kinds=kinds)
    if signals:
        now = utcnow()
        # Core on the table, not the ORM's bulk path: half the cost per event (bench/events.py).
        s.execute(insert(EVENTS_TABLE), [{"user_id": user_id, "video_id": e.video_id, "kind": e.kind,
                                       "watch_ms": e.watch_ms, "at": now} for e in signals])
    return len(signals)


def possible_watch_ms(s: Session, user_id: str, watch_ms: int, *, duration_s: float) -> int:
    """``watch_ms`` bounded by what could have been watched: PLAYS_PER_VIEW plays of the video,
    and the time since the viewer's previous view (plus CLOCK_SLACK_MS)."""
    bound = int(max(duration_s, 1.0) * 1000 * PLAYS_PER_VIEW)
    last = s.scalar(select(FeedEvent.at).where(FeedEvent.user_id == user_id, FeedEvent.kind.in_((WATCH, COMPLETE)))
                    .order_by(FeedEvent.id.desc()).limit(1))
    if last is not None:
        elapsed_ms = int((utcnow() - last).total_seconds() * 1000)
        bound = min(bound, max(0, elapsed_ms) + CLOCK_SLACK_MS)
    return max(0, min(watch_ms, bound))


def dismissed(s: Session, viewer_id: str) -> set[str]:
    """The videos the viewer said "not interested" to, the newest ``MAX_DISMISSED``."""
    return set(s.scalars(select(FeedEvent.video_id)
                         .where(FeedEvent.user_id == viewer_id, FeedEvent.kind == NOT_INTERESTED)
                         .order_by(FeedEvent.id.desc()).limit(MAX_DISMISSED)))
