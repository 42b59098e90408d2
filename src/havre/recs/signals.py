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
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, ForeignKey, Integer, Row, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, Base, utcnow
from havre.jobs import enqueue
from havre.jobs.models import QUEUED, Job
from havre.recs import FOLD_JOB, PUSH_SIGNALS_JOB
from havre.recs.events import COMPLETE, IMPRESSION, LOOP, NOT_INTERESTED, PLAY, SKIP, FeedEvent
from havre.regions import Region
from havre.regions.directory import Directory
from havre.regions.gateway import aggregate_writer
from havre.social.counters import first_time
from havre.videos.models import Video

FIELDS = ("impressions", "plays", "completes", "skips", "loops", "not_interested", "watch_ms")
_FIELD_OF = {IMPRESSION: "impressions", PLAY: "plays", COMPLETE: "completes", SKIP: "skips", LOOP: "loops",
             NOT_INTERESTED: "not_interested"}
FOLD_BATCH = 20_000
VIDEOS_PER_READ = 500  # a viewer's videos per statement when reading what they gave before


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
    rows = s.execute(select(FeedEvent.id, FeedEvent.user_id, FeedEvent.video_id, FeedEvent.kind, FeedEvent.watch_ms,
                            FeedEvent.at).where(FeedEvent.id > last).order_by(FeedEvent.id).limit(FOLD_BATCH)).all()
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
    sums = _one_viewer_worth(rows, _given_before(s, rows, last))
    homes = directory.regions_of_videos(list(sums))
    by_region: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for video_id, delta in sums.items():
        if video_id in homes and delta:  # an unknown or deleted video has no aggregates to keep
            by_region[homes[video_id]][video_id] = dict(delta)
    for region_name, deltas in by_region.items():
        if region_name == home.name:
            add_video_signals(s, deltas)
        else:
            enqueue(s, PUSH_SIGNALS_JOB, {"region": region_name, "deltas": deltas})
    return len(rows)


class _Given:
    """What one viewer has given one video's sums on one day: the kinds counted, the longest watch."""

    __slots__ = ("kinds", "watch_ms")

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.watch_ms = 0

    def take(self, kind: str, watch_ms: int) -> dict[str, int]:
        """The sums' share of one more event: a kind not yet counted today, the watch time past the
        longest view so far."""
        delta: dict[str, int] = {}
        field = _FIELD_OF.get(kind)
        if field is not None and field not in self.kinds:
            self.kinds.add(field)
            delta[field] = 1
        if watch_ms > self.watch_ms:
            delta["watch_ms"] = watch_ms - self.watch_ms
            self.watch_ms = watch_ms
        return delta


GivenKey = tuple[str, str, date]
EventRows = Sequence[Row[int, str, str, str, int, datetime]]  # id, viewer, video, kind, watch_ms, at


def _given_before(s: Session, rows: EventRows, last: int) -> dict[GivenKey, _Given]:
    """What the viewers of these events gave the same videos on the same days in events folded
    before (ids up to ``last``): one statement per viewer, ``user_id = ? AND video_id IN (...)``,
    which both stores serve from ix_feed_events_user_video (SQLite would scan the whole table for
    a row-value ``(user_id, video_id) IN (...)``)."""
    given: dict[GivenKey, _Given] = defaultdict(_Given)
    since = datetime.combine(min(r.at for r in rows).date(), time.min, tzinfo=UTC)
    videos_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        videos_of[row.user_id].add(row.video_id)
    for user_id, videos in videos_of.items():
        ordered = sorted(videos)
        for start in range(0, len(ordered), VIDEOS_PER_READ):
            for video_id, kind, watch_ms, at in s.execute(
                    select(FeedEvent.video_id, FeedEvent.kind, FeedEvent.watch_ms, FeedEvent.at)
                    .where(FeedEvent.user_id == user_id, FeedEvent.video_id.in_(ordered[start:start + VIDEOS_PER_READ]),
                           FeedEvent.id <= last, FeedEvent.at >= since)):
                given[(user_id, video_id, at.date())].take(kind, watch_ms)
    return given


def _one_viewer_worth(rows: EventRows, given: dict[GivenKey, _Given]) -> dict[str, dict[str, int]]:
    """Per-video sums of these events where a viewer counts at most once per kind, and with the
    watch time of their longest view, per video per UTC day: whatever one account sends, it moves a
    video's sums by one viewer's worth a day (docs/recommender.md)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for field, n in given[(row.user_id, row.video_id, row.at.date())].take(row.kind, row.watch_ms).items():
            sums[row.video_id][field] += n
    return sums


def fold_soon(s: Session, *, delay_s: float = 2.0) -> None:
    """Ask for a fold of the new events in a moment, unless one is already waiting: a burst of
    batches is folded once."""
    waiting = s.scalar(select(Job.id).where(Job.kind == FOLD_JOB, Job.status == QUEUED).limit(1))
    if waiting is None:
        enqueue(s, FOLD_JOB, {}, run_after=utcnow() + timedelta(seconds=delay_s), priority=20)
