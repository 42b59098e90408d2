"""Per-video aggregates of the player's events, kept beside the video: what the ranker reads.

Events stay in each viewer's home region. A job (``recs.fold``) folds the events that arrived
since its last run into anonymous per-video sums, grouped by the region each video lives in:
the home region's are added in the same transaction as the new mark, the others are pushed as
one outbox job per region, applied exactly once there (``social.counters``' applied deltas). So
a request reads a few numbers per candidate, never raw history, and an aggregate never names a
viewer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, ForeignKey, Integer, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, Base, utcnow
from havre.jobs import enqueue
from havre.jobs.models import QUEUED, Job
from havre.recs.events import COMPLETE, IMPRESSION, LOOP, NOT_INTERESTED, PLAY, SKIP, WATCH, FeedEvent
from havre.regions import Region
from havre.regions.directory import Directory
from havre.regions.gateway import aggregate_writer
from havre.social.counters import first_time
from havre.videos.models import Video

FIELDS = ("impressions", "plays", "completes", "skips", "loops", "not_interested", "watch_ms")
_FIELD_OF = {IMPRESSION: "impressions", PLAY: "plays", COMPLETE: "completes", SKIP: "skips", LOOP: "loops",
             NOT_INTERESTED: "not_interested"}
FOLD_BATCH = 20_000


class VideoSignals(Base):
    """Anonymous sums of every region's player events about one video, in the video's region."""

    __tablename__ = "video_signals"

    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True,
                                          info=OPERATIONAL)
    impressions: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    plays: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    completes: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    skips: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    loops: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    not_interested: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    watch_ms: Mapped[int] = mapped_column(BigInteger, default=0, info=OPERATIONAL)


class FoldMark(Base):
    """The last event folded into the aggregates (one row, made by the migration)."""

    __tablename__ = "signal_fold_mark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0, info=OPERATIONAL)


def _delta(kind: str, watch_ms: int) -> dict[str, int]:
    if kind == WATCH:
        return {"watch_ms": watch_ms}
    field = _FIELD_OF.get(kind)
    return {field: 1, "watch_ms": watch_ms} if field else {}


@aggregate_writer
def add_video_signals(s: Session, deltas: dict[str, dict[str, int]], *, delta_id: str | None = None) -> None:
    """Add anonymous event sums (impressions, plays, completes, skips...) to videos."""
    if not deltas or not first_time(s, delta_id):
        return
    known = set(s.scalars(select(VideoSignals.video_id).where(VideoSignals.video_id.in_(list(deltas)))))
    present = set(s.scalars(select(Video.id).where(Video.id.in_(list(deltas)))))  # deleted videos: dropped
    for video_id, delta in deltas.items():
        if video_id not in present:
            continue
        if video_id in known:
            s.execute(update(VideoSignals).where(VideoSignals.video_id == video_id).values(
                **{f: getattr(VideoSignals, f) + n for f, n in delta.items() if f in FIELDS and n}))
        else:
            s.add(VideoSignals(video_id=video_id, **{f: delta.get(f, 0) for f in FIELDS}))
    s.flush()


def fold(s: Session, home: Region, directory: Directory) -> int:
    """Fold the events since the last mark (at most FOLD_BATCH) into per-video sums; returns how
    many events were folded. The caller commits: the mark, the home sums and the push jobs go
    together, so a crash folds the same events again and nothing twice."""
    last = s.scalar(select(FoldMark.last_event_id).where(FoldMark.id == 1)) or 0
    rows = s.execute(select(FeedEvent.id, FeedEvent.video_id, FeedEvent.kind, FeedEvent.watch_ms)
                     .where(FeedEvent.id > last).order_by(FeedEvent.id).limit(FOLD_BATCH)).all()
    if not rows:
        return 0
    # Claim the range first: a conditional update takes the write lock (SQLite) or the row lock
    # (PostgreSQL), so two folds running at once never add the same events twice.
    claimed = cast("CursorResult[Any]", s.execute(
        update(FoldMark).where(FoldMark.id == 1, FoldMark.last_event_id == last)
        .values(last_event_id=rows[-1].id))).rowcount
    if claimed != 1:
        s.rollback()
        return 0
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for field, n in _delta(row.kind, row.watch_ms).items():
            sums[row.video_id][field] += n
    homes = directory.regions_of_videos(list(sums))
    by_region: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for video_id, delta in sums.items():
        if video_id in homes:  # an unknown or deleted video has no aggregates to keep
            by_region[homes[video_id]][video_id] = dict(delta)
    for region_name, deltas in by_region.items():
        if region_name == home.name:
            add_video_signals(s, deltas)
        else:
            enqueue(s, "recs.push_signals", {"region": region_name, "deltas": deltas})
    return len(rows)


def signals_of(s: Session, video_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not video_ids:
        return {}
    rows = s.scalars(select(VideoSignals).where(VideoSignals.video_id.in_(video_ids)))
    return {r.video_id: {f: getattr(r, f) for f in FIELDS} for r in rows}


def fold_soon(s: Session, *, delay_s: float = 2.0) -> None:
    """Ask for a fold of the new events in a moment, unless one is already waiting: a burst of
    batches is folded once."""
    waiting = s.scalar(select(Job.id).where(Job.kind == "recs.fold", Job.status == QUEUED).limit(1))
    if waiting is None:
        enqueue(s, "recs.fold", {}, run_after=utcnow() + timedelta(seconds=delay_s), priority=20)
