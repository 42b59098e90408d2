"""For You's engine behind one interface, chosen in config (``HAVRE_RECOMMENDER``).

``personal`` (the default) ranks every region's candidate pool with the viewer's taste, read at
home on each page, and the trained item-to-item model of the home region when there is one;
``popular`` ranks the same pool for everyone alike. Both keep a session-stable list
(``feed.lists``) and give each video the reason it is shown.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.feed import lists
from havre.feed.models_store import ModelStore
from havre.feed.pool import PoolCache, PoolEntry
from havre.feed.ranking import (
    EXPLORE_IMPRESSIONS,
    Taste,
    diversify,
    sampled_quality,
    score,
    with_exploration,
)
from havre.feed.taste import read_taste
from havre.regions.gateway import Gateway


@dataclass(frozen=True)
class Pick:
    video_id: str
    region: str
    reason: dict[str, str]


@dataclass(frozen=True)
class Ranked:
    picks: list[Pick]
    next_cursor: str | None


class Recommender(Protocol):
    def for_you(self, gw: Gateway, viewer: User | None, *, cursor: str | None, limit: int) -> Ranked: ...


class PoolRanker:
    """Ranks the candidate pool; ``personal`` decides whether the viewer's taste counts."""

    def __init__(self, *, personal: bool, pools: PoolCache | None = None, models: ModelStore | None = None) -> None:
        self.personal = personal
        self.pools = pools or PoolCache()
        self.models = models or ModelStore()

    def for_you(self, gw: Gateway, viewer: User | None, *, cursor: str | None, limit: int) -> Ranked:
        wanted = lists.parse_cursor(cursor) if cursor else None
        pool = self.pools.pools(gw)
        if viewer is None:
            return self._visitor_page(gw, pool, wanted, limit)
        member = viewer if self.personal else None
        model = self.models.get(gw.home) if member is not None else None
        with gw.home.session() as s:
            feed_list = lists.open_list(s, wanted, viewer.id if viewer else None) if wanted else None
            among = {str(item[0]) for item in feed_list.items} if feed_list is not None else None
            taste = read_taste(s, member, pool, neighbours=model.neighbours if model else None, among=among)
            if feed_list is None:
                feed_list = self._new_list(s, pool, taste, viewer)
            picks = self._page(feed_list, pool, taste, limit)
            lists.mark_served(feed_list, [p.video_id for p in picks])
            s.commit()
            more = len(feed_list.served) < len(feed_list.items)
            return Ranked(picks=picks, next_cursor=lists.cursor_of(feed_list) if more and picks else None)

    def _new_list(self, s: Session, pool: list[PoolEntry], taste: Taste, viewer: User | None) -> lists.FeedList:
        feed_list = lists.FeedList(user_id=viewer.id if viewer else None, items=[], served=[])
        s.add(feed_list)
        s.flush()  # its id seeds the draws, so one list is one reproducible order
        feed_list.items = _ranked_items(pool, taste, random.Random(feed_list.id))
        return feed_list

    def _visitor_page(self, gw: Gateway, pool: list[PoolEntry], wanted: lists.Cursor | None, limit: int) -> Ranked:
        """Visitors share one list per set of candidates (it names nobody), so their requests
        write a row only when the candidates change; the cursor's count is where each one is."""
        with gw.home.session() as s:
            shared = s.get(lists.FeedList, wanted.list_id) if wanted else None
            if shared is None or shared.user_id is not None:
                shared, wanted = lists.shared_list(s, _ranked_items(pool, Taste(), random.Random(len(pool)))), None
                s.commit()
            start = wanted.served if wanted else 0
            picks = [Pick(video_id=str(v), region=str(r), reason=dict(why))
                     for v, r, why in shared.items[start:start + limit]]
            end = start + len(picks)
            return Ranked(picks=picks, next_cursor=f"{shared.id}.{end}" if picks and end < len(shared.items) else None)

    def _page(self, feed_list: lists.FeedList, pool: list[PoolEntry], taste: Taste, limit: int) -> list[Pick]:
        """The next videos of the list, after what the viewer did since it was made: seen and
        "not interested" videos and muted creators drop out, and videos like what they just
        watched to the end, liked or shared come first (at most half a page)."""
        served = set(feed_list.served)
        by_id = {c.id: c for c in pool}
        now = utcnow()
        remaining: list[Pick] = []
        for video_id, region, reason in feed_list.items:
            entry = by_id.get(video_id)
            if video_id in served or video_id in taste.not_interested or video_id in taste.seen:
                continue
            if entry is not None and (taste.muted_creators[entry.owner_id] or
                                      (entry.sound and taste.muted_sounds[entry.sound])):
                continue
            remaining.append(Pick(video_id=video_id, region=region, reason=dict(reason)))
        fresh_taste = []
        for pick in remaining:
            entry = by_id.get(pick.video_id)
            if entry is None:
                continue
            now_scored = score(entry, taste, now)
            if now_scored.reason["kind"] == "similar" and pick.reason.get("anchor") != now_scored.reason["anchor"]:
                fresh_taste.append((now_scored.score, Pick(video_id=pick.video_id, region=pick.region,
                                                           reason=now_scored.reason)))
        promoted = [p for _, p in sorted(fresh_taste, key=lambda x: -x[0])[: limit // 2]]
        chosen = {p.video_id for p in promoted}
        return (promoted + [p for p in remaining if p.video_id not in chosen])[:limit]


def recommender_for(name: str) -> Recommender:
    if name == "popular":
        return PoolRanker(personal=False)
    if name == "personal":
        return PoolRanker(personal=True)
    raise ValueError(f"unknown recommender {name!r}: use personal or popular")


def _ranked_items(pool: list[PoolEntry], taste: Taste, rng: random.Random) -> list[list[Any]]:
    """Every candidate scored once, the best LIST_SIZE kept, with the exploration places drawn."""
    now = utcnow()
    candidates = [c for c in pool if c.id not in taste.seen and c.id not in taste.not_interested]
    ranked = sorted((score(c, taste, now) for c in candidates), key=lambda x: (-x.score, x.entry.id))
    fresh = [x for x in ranked if x.entry.impressions < EXPLORE_IMPRESSIONS and x.reason["kind"] == "new"]
    trying = sorted(fresh, key=lambda x: -sampled_quality(x.entry, rng))[:lists.LIST_SIZE // 5]
    ordered = diversify(with_exploration(ranked, trying))[:lists.LIST_SIZE]
    return [[x.entry.id, x.entry.region, x.reason] for x in ordered]
