"""A viewer's taste, read fresh on every page from their home region: the newest events (bounded),
likes and shares, follows and the interests they chose; nothing is precomputed, so a watch, a like
or "not interested" counts on the very next page, and nothing reads a whole history. Of the events,
a page reads only those that arrived since the newest this process holds
(``latest_events`` of ``feed.state.FeedState``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    BigInteger,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from havre.accounts.models import Follow
from havre.db.base import UTCDateTime, utcnow
from havre.feed.candidates import Candidates, Floats, Ints
from havre.feed.interests import Interest
from havre.feed.ranking import Taste
from havre.kept import Kept
from havre.recs import events
from havre.recs.events import FeedEvent
from havre.recs.models_store import ServingModel
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
_VIEWS = frozenset({events.WATCH, events.COMPLETE, events.SKIP})
ANCHORS = 30  # the viewer's strongest likes whose neighbours are spread
# A chosen interest counts as the hashtags of this many liked videos for a member with no history
# (their first page leads with it), one fewer per video they have liked or watched since, and never
# less than one video's: as history grows, what they watched decides.
COLD_INTEREST = 5
# Without a trained model, a candidate is like an anchor by the hashtags and sound it shares with
# it: this much per shared feature, at most 1 (then times how much the anchor counts).
SHARED_FEATURE_LIKENESS = 0.4


Recent = tuple[str, str, bool]
"""(video id, kind, whether within SEEN_DAYS): one of the viewer's latest events."""


class HomeFacts(NamedTuple):
    recent: list[Recent]  # newest first
    liked: list[str]  # newest first
    shared: list[str]
    followed: set[str]
    interests: list[str]
    dismissed: set[str]  # every video the viewer said "not interested" to (the newest ``events.MAX_DISMISSED``)


Event = tuple[int, str, str, float]
"""(event id, video id, kind, when as POSIX time): an event as this process keeps it."""
KEPT_VIEWERS = 2_000
KEPT_S = 600.0

LatestEvents = Kept[str, list[Event]]
"""Each viewer's latest RECENT_EVENTS events as this process last read them, so that a page reads
only the events that arrived since (a viewer pages through a session in one process for minutes;
each page would read the same two hundred rows again otherwise). ``_home_facts`` checks them on
every read: the database counts the viewer's events between the oldest and the newest held, and
a count that differs (an event deleted with its video, or one committed late, below the newest)
reads the whole window again. Held in ``feed.state.FeedState``."""


def _part(name: str, value: Any, *, kind: Any = None, n: Any = None, at: Any = None) -> Any:
    """One part of the home facts' statement: the same columns for every part (a union needs them)."""
    return select(literal(name).label("part"), value.label("value"),
                  (kind if kind is not None else cast(null(), String)).label("kind"),
                  (n if n is not None else cast(null(), BigInteger)).label("n"),
                  (at if at is not None else cast(null(), UTCDateTime)).label("at"))


def _home_facts_statement() -> Any:
    viewer = bindparam("viewer", type_=String)
    after, oldest = bindparam("after", type_=BigInteger), bindparam("oldest", type_=BigInteger)
    new_events = (_part("event", FeedEvent.video_id, kind=FeedEvent.kind, n=FeedEvent.id, at=FeedEvent.at)
                  .where(FeedEvent.user_id == viewer, FeedEvent.id > after)
                  .order_by(FeedEvent.id.desc()).limit(RECENT_EVENTS))
    # How many of the viewer's events lie where the held ones are: the check of what is held.
    held = _part("held", literal(""), n=func.count()).where(FeedEvent.user_id == viewer,
                                                          FeedEvent.id.between(oldest, after))
    liked = (_part("like", Like.video_id, at=Like.created_at).where(Like.user_id == viewer)
             .order_by(Like.created_at.desc()).limit(RECENT_LIKES))
    shared = (_part("share", CountMark.video_id, at=CountMark.at)
              .where(CountMark.user_id == viewer, CountMark.kind == SHARE).order_by(CountMark.at.desc())
              .limit(RECENT_LIKES))
    followed = _part("follow", Follow.followee_id).where(Follow.follower_id == viewer)
    chosen = _part("interest", Interest.tag).where(Interest.user_id == viewer)
    # "Not interested" wherever it lies in the history (events.dismissed, in this one round trip):
    # the latest events alone forget it after about forty swipes.
    dismissed = (_part("dismissed", FeedEvent.video_id, n=FeedEvent.id)
                 .where(FeedEvent.user_id == viewer, FeedEvent.kind == events.NOT_INTERESTED)
                 .order_by(FeedEvent.id.desc()).limit(events.MAX_DISMISSED))
    # Each limited part is a subquery (SQLite allows no LIMIT inside a compound otherwise).
    parts = [select(*q.subquery().c) for q in (new_events, liked, shared, dismissed)] + [held, followed, chosen]
    both = union_all(*parts).subquery()
    return select(*both.c).order_by(both.c.part, both.c.n.desc(), both.c.at.desc(), both.c.value)


# Every member's page reads these: one statement, built once, in one round trip (five separate
# ORM queries cost a third of a page).
_HOME_FACTS = _home_facts_statement()


def _home_facts(s: Session, viewer_id: str, latest: LatestEvents) -> HomeFacts:
    """The viewer's latest events (the new ones read through ``ix_feed_events_user``, on top of
    those this process holds in ``latest``), likes and shares, follows and chosen interests."""
    for _ in range(2):
        held = latest.get(viewer_id) or []
        facts = HomeFacts([], [], [], set(), [], set())
        arrived: list[Event] = []
        count = 0
        params = {"viewer": viewer_id, "after": held[0][0] if held else 0, "oldest": held[-1][0] if held else 1}
        for part, value, kind, n, at in s.connection().execute(_HOME_FACTS, params).all():
            if part == "event":
                arrived.append((n, value, kind, at.timestamp()))
            elif part == "held":
                count = n
            elif part == "like":
                facts.liked.append(value)
            elif part == "share":
                facts.shared.append(value)
            elif part == "follow":
                facts.followed.add(value)
            elif part == "dismissed":
                facts.dismissed.add(value)
            else:
                facts.interests.append(value)
        if count == len(held):
            break
        latest.put(viewer_id, [])  # what is held is no longer so: read them all
    newest = (arrived + held)[:RECENT_EVENTS] if arrived else held
    latest.put(viewer_id, newest)
    since = (utcnow() - timedelta(days=SEEN_DAYS)).timestamp()
    facts.recent.extend((video_id, kind, at >= since) for _, video_id, kind, at in newest)
    return facts


def read_taste(s: Session, viewer_id: str | None, cands: Candidates, *, model: ServingModel | None,
               latest: LatestEvents) -> Taste:
    """The viewer's taste against these candidates (a visitor has none: the general ranking)."""
    taste = Taste()
    if viewer_id is None:
        return taste
    recent, liked, shared, taste.followed, interests, taste.not_interested = _home_facts(s, viewer_id, latest)
    entries, index = cands.entries, cands.index
    anchors: dict[str, float] = {}
    how: dict[str, str] = {}
    starts: dict[str, int] = {}  # plays the player saw start
    views: dict[str, int] = {}  # views with their watch time (a client may send only these)
    again: set[str] = set()  # looped or viewed twice: it may come back
    # One pass over up to RECENT_EVENTS rows on every page: kept to dict lookups.
    weight_of, how_of = ANCHOR_WEIGHTS.get, HOW.get
    for video_id, kind, lately in recent:  # newest first
        weight = weight_of(kind, 0.0)
        if weight:
            anchors[video_id] = anchors.get(video_id, 0.0) + weight
            if weight > 0 and video_id not in how and (said := how_of(kind)) is not None:
                how[video_id] = said
        if lately:
            if kind == events.PLAY:
                starts[video_id] = starts.get(video_id, 0) + 1
            elif kind in _VIEWS:
                views[video_id] = views.get(video_id, 0) + 1
        if kind == events.LOOP:
            again.add(video_id)
        elif kind == events.NOT_INTERESTED:
            taste.not_interested.add(video_id)
            if video_id in index:
                entry = entries[index[video_id]]
                taste.muted_creators[entry.owner_id] += 1
                if entry.sound:
                    taste.muted_sounds[entry.sound] += 1
    for kind, ids in (("like", liked), ("share", shared)):
        for video_id in ids:
            anchors[video_id] = anchors.get(video_id, 0.0) + ANCHOR_WEIGHTS[kind]
            how[video_id] = HOW[kind] if kind == "share" or video_id not in how else how[video_id]
    viewed = starts.keys() | views.keys()
    again |= {v for v in viewed if max(starts.get(v, 0), views.get(v, 0)) >= 2}
    taste.seen = (viewed - again) | taste.not_interested
    positive = sorted(((v, w) for v, w in anchors.items() if w > 0), key=lambda vw: -vw[1])
    for video_id, _ in positive:
        if video_id in index:
            taste.tags.update(entries[index[video_id]].hashtags)
    weight = max(1, COLD_INTEREST - len(positive))
    taste.interests = dict.fromkeys(sorted(interests), weight)
    taste.tags.update(taste.interests)
    strongest = positive[:ANCHORS]
    taste.anchors = [(v, how.get(v, "watched"), entries[index[v]].owner_id if v in index else "")
                     for v, _ in strongest]
    top = max((w for _, w in strongest), default=1.0)
    if strongest:
        spread = _by_model if model is not None else _by_features
        rows, gains, which = spread(cands, [(v, w / top) for v, w in strongest], model)
        taste.similar, taste.similar_anchor = _best_per_candidate(cands, rows, gains, which, strongest)
    return taste


Spread = tuple[Ints, Floats, Ints]  # candidate, gain, which anchor: one row per offer


def _by_model(cands: Candidates, anchors: list[tuple[str, float]], model: ServingModel | None) -> Spread:
    """The trained model's neighbours of each anchor, weighted by how much the anchor counts, and
    the candidates its embeddings rank highest for all the anchors together (recs.serving)."""
    assert model is not None
    parts = [(cands.neighbour_rows(model.version, a, model.neighbours), w) for a, w in anchors]
    offered, likeness, offered_by = model.embedding_offers(anchors, cands.ids, key=cands.version)
    rows = np.concatenate([p for (p, _), _ in parts] + [offered])
    gains = np.concatenate([s * w for (_, s), w in parts] + [likeness])
    which = np.concatenate([np.repeat(np.arange(len(parts)), [len(p) for (p, _), _ in parts]), offered_by])
    return rows, gains, which


def _by_features(cands: Candidates, anchors: list[tuple[str, float]], _model: ServingModel | None) -> Spread:
    """Without a model: a video is like an anchor as far as it shares its hashtags or sound; the
    anchor named is the strongest one among those it shares a feature with."""
    tag_best = np.zeros(len(cands.tags) + 1)  # feature -> the strongest anchor's weight (and which)
    tag_which = np.full(len(cands.tags) + 1, -1)
    sound_best = np.zeros(len(cands.sounds) + 1)
    sound_which = np.full(len(cands.sounds) + 1, -1)
    for n, (anchor, weight) in enumerate(anchors):
        if anchor not in cands.index:
            continue
        entry = cands.entries[cands.index[anchor]]
        for t in (cands.tag_of[t] for t in entry.hashtags):
            if weight > tag_best[t]:
                tag_best[t], tag_which[t] = weight, n
        if entry.sound and weight > sound_best[s := cands.sound_of[entry.sound]]:
            sound_best[s], sound_which[s] = weight, n
    # One row per (candidate, feature it shares): its weight and anchor.
    rows = np.concatenate([cands.tag_row, np.arange(len(cands))])
    weights = np.concatenate([tag_best[cands.tag_codes], sound_best[cands.sound]])
    which = np.concatenate([tag_which[cands.tag_codes], sound_which[cands.sound]])
    hit = weights > 0
    rows, weights, which = rows[hit], weights[hit], which[hit]
    matched = np.bincount(rows, minlength=len(cands))
    return rows, np.minimum(1.0, SHARED_FEATURE_LIKENESS * matched[rows]) * weights, which


def _best_per_candidate(cands: Candidates, rows: Ints, gains: Floats, which: Ints,
                        anchors: list[tuple[str, float]]) -> tuple[Floats, Ints]:
    """Each candidate's largest gain and its anchor (of equals, the strongest anchor); an anchor
    is not like itself."""
    anchor_at = np.array([cands.index.get(a, -1) for a, _ in anchors], dtype=np.int64)
    keep = (rows != anchor_at[which]) & (gains > 0)
    rows, gains, which = rows[keep], gains[keep], which[keep]
    order = np.lexsort((which, -gains, rows))
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]] if order.size else order
    similar = np.zeros(len(cands), dtype=np.float64)
    anchor = np.full(len(cands), -1, dtype=np.int64)
    similar[rows[first]] = gains[first]
    anchor[rows[first]] = which[first]
    return similar, anchor
