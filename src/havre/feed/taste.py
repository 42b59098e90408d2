"""A viewer's taste, read fresh on every page from their home region: the newest events (bounded),
likes and shares, and follows; nothing is precomputed, so a watch, a like or "not interested"
counts on the very next page, and nothing reads a whole history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.models import Follow, User
from havre.db.base import utcnow
from havre.feed.pool import PoolEntry
from havre.feed.ranking import Taste
from havre.recs import events
from havre.social.marks import SHARE
from havre.social.models import CountMark, Like

RECENT_EVENTS = 200
RECENT_LIKES = 50
SEEN_DAYS = 3
# How much each thing a viewer did says about what they want more of (negative: less).
ANCHOR_WEIGHTS = {events.COMPLETE: 2.0, events.LOOP: 2.0, "like": 3.0, "share": 4.0, events.WATCH: 0.5,
                  events.SKIP: -0.5, events.NOT_INTERESTED: -3.0}
HOW = {events.COMPLETE: "completed", events.LOOP: "completed", "like": "liked", "share": "shared",
       events.WATCH: "watched"}
# neighbours(video id) -> [(video id, weight 0..1)]: the trained model's, when there is one.
Neighbours = Callable[[str], list[tuple[str, float]]]


def _home_facts(s: Session, viewer_id: str) -> tuple[list[events.Recent], list[str], list[str], set[str]]:
    recent = events.recent(s, viewer_id, limit=RECENT_EVENTS)
    liked = list(s.scalars(select(Like.video_id).where(Like.user_id == viewer_id)
                           .order_by(Like.created_at.desc()).limit(RECENT_LIKES)))
    shared = list(s.scalars(select(CountMark.video_id).where(CountMark.user_id == viewer_id, CountMark.kind == SHARE)
                            .order_by(CountMark.at.desc()).limit(RECENT_LIKES)))
    followed = set(s.scalars(select(Follow.followee_id).where(Follow.follower_id == viewer_id)))
    return recent, liked, shared, followed


def read_taste(s: Session, viewer: User | None, pool: list[PoolEntry], *, neighbours: Neighbours | None,
               among: set[str] | None = None) -> Taste:
    """The viewer's taste against this pool (a visitor has none: the general ranking); likeness is
    worked out for the videos ``among`` only when given (the rest of a session's list)."""
    taste = Taste()
    if viewer is None:
        return taste
    recent, liked, shared, taste.followed = _home_facts(s, viewer.id)
    by_id = {e.id: e for e in pool}
    anchors: dict[str, float] = {}
    how: dict[str, str] = {}
    since = utcnow() - timedelta(days=SEEN_DAYS)
    starts: Counter[str] = Counter()  # plays the player saw start
    views: Counter[str] = Counter()  # views with their watch time (a client may send only these)
    again: set[str] = set()  # looped or viewed twice: it may come back
    for event in recent:  # newest first
        weight = ANCHOR_WEIGHTS.get(event.kind, 0.0)
        anchors[event.video_id] = anchors.get(event.video_id, 0.0) + weight
        if weight > 0 and event.kind in HOW:
            how.setdefault(event.video_id, HOW[event.kind])
        if event.at >= since:
            if event.kind == events.PLAY:
                starts[event.video_id] += 1
            elif event.kind in (events.WATCH, events.COMPLETE, events.SKIP):
                views[event.video_id] += 1
        if event.kind == events.LOOP:
            again.add(event.video_id)
        if event.kind == events.NOT_INTERESTED:
            taste.not_interested.add(event.video_id)
            entry = by_id.get(event.video_id)
            if entry is not None:
                taste.muted_creators[entry.owner_id] += 1
                if entry.sound:
                    taste.muted_sounds[entry.sound] += 1
    for kind, ids in (("like", liked), ("share", shared)):
        for video_id in ids:
            anchors[video_id] = anchors.get(video_id, 0.0) + ANCHOR_WEIGHTS[kind]
            how[video_id] = HOW[kind] if kind == "share" or video_id not in how else how[video_id]
    viewed = set(starts) | set(views)
    again |= {v for v in viewed if max(starts[v], views[v]) >= 2}
    taste.seen = (viewed - again) | taste.not_interested
    positive = sorted(((v, w) for v, w in anchors.items() if w > 0), key=lambda vw: -vw[1])
    for video_id, _ in positive:
        entry = by_id.get(video_id)
        if entry is not None:
            for tag in entry.hashtags:
                taste.tags[tag] += 1
    _spread(taste, positive[:30], how, by_id, neighbours, among)
    return taste


def _spread(taste: Taste, anchors: list[tuple[str, float]], how: dict[str, str], by_id: dict[str, PoolEntry],
            neighbours: Neighbours | None, among: set[str] | None) -> None:
    """Videos like the anchors get their weight: the model's neighbours, else shared hashtags or sound."""
    top = max((w for _, w in anchors), default=1.0)

    def offer(video_id: str, gain: float, anchor: str) -> None:
        if video_id != anchor and gain > taste.similar.get(video_id, (0.0, "", "", ""))[0]:
            entry = by_id.get(anchor)
            taste.similar[video_id] = (gain, anchor, how.get(anchor, "watched"), entry.owner_id if entry else "")

    if neighbours is not None:
        for anchor, weight in anchors:
            for video_id, similarity in neighbours(anchor):
                offer(video_id, similarity * weight / top, anchor)
        return
    # Without a model: one pass over the pool. A video is like an anchor as far as it shares its
    # hashtags or sound; the anchor named is the strongest one among those it shares a feature with.
    best: dict[str, tuple[float, str]] = {}  # feature -> (anchor weight, anchor)
    for anchor, weight in anchors:
        entry = by_id.get(anchor)
        if entry is not None:
            for feature in _features(entry):
                if weight / top > best.get(feature, (0.0, ""))[0]:
                    best[feature] = (weight / top, anchor)
    if not best:
        return
    for other in by_id.values() if among is None else (by_id[v] for v in among if v in by_id):
        matched = [best[f] for f in _features(other) if f in best]
        if matched:
            weight, anchor = max(matched)
            offer(other.id, min(1.0, 0.4 * len(matched)) * weight, anchor)


def _features(entry: PoolEntry) -> list[str]:
    return [f"#{t}" for t in entry.hashtags] + ([f"~{entry.sound}"] if entry.sound else [])
