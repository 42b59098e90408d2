"""For You's engine behind one interface, chosen in config (``HAVRE_RECOMMENDER``).

``personal`` (the default) ranks every region's candidate pool with the viewer's taste, read at
home on each page, and the trained item-to-item model of the home region when there is one;
``popular`` ranks the same pool for everyone alike. Both keep a session-stable list
(``feed.lists``) and give each video the reason it is shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from havre.db.base import new_id, utcnow
from havre.feed import lists
from havre.feed.candidates import Candidates
from havre.feed.ranking import Mask, Scores, Taste, ranked, score_all
from havre.feed.state import FeedState
from havre.feed.taste import read_taste
from havre.regions.gateway import Gateway


class Pick(NamedTuple):  # a list's page builds a hundred: a tuple is the cheapest record
    video_id: str
    region: str
    reason: dict[str, str]


@dataclass(frozen=True)
class Ranked:
    picks: list[Pick]
    next_cursor: str | None


class Recommender(Protocol):
    def for_you(self, gw: Gateway, viewer_id: str | None, *, cursor: str | None, limit: int) -> Ranked: ...


class PoolRanker:
    """Ranks the candidate pool; ``personal`` decides whether the viewer's taste counts. What it
    keeps between pages is the app's ``FeedState``. It writes the session's list on the home
    session it is handed and never commits it: the route does (``Gateway.home_work``)."""

    def __init__(self, *, personal: bool, state: FeedState | None = None) -> None:
        self.personal = personal
        self.state = state or FeedState()

    def for_you(self, gw: Gateway, viewer_id: str | None, *, cursor: str | None, limit: int) -> Ranked:
        wanted = lists.parse_cursor(cursor) if cursor else None
        state = self.state
        cands = state.pools.candidates(gw)
        if viewer_id is None:
            return self._visitor_page(gw, cands, wanted, limit)
        member_id = viewer_id if self.personal else None
        model = state.models.get(gw.home) if member_id is not None else None
        with gw.home_work() as s:
            feed_list = lists.open_list(s, wanted, viewer_id, state.list_items) if wanted else None
            taste = read_taste(s, member_id, cands, model=model, latest=state.latest_events)
            scores = score_all(cands, taste, utcnow().timestamp())
            if feed_list is None:
                list_id = new_id()
                feed_list = lists.new_list(viewer_id, _items(scores, _left_out(scores), lists.LIST_SIZE, list_id),
                                           list_id=list_id)
            remaining = _remaining(feed_list.items, set(feed_list.served), scores)
            if len(remaining) <= limit:  # near its end: the next best come after
                remaining = _go_on(feed_list, remaining, scores)
            picks, more = _page(remaining, scores, limit)
            lists.mark_served(feed_list, [p.video_id for p in picks])
            lists.save(s, feed_list, state.list_items)
            return Ranked(picks=picks, next_cursor=lists.cursor_of(feed_list) if more and picks else None)

    def _visitor_page(self, gw: Gateway, cands: Candidates, wanted: lists.Cursor | None, limit: int) -> Ranked:
        """Visitors share one list per set of candidates (it names nobody), so their requests
        write a row only when the candidates change, and this process ranks it once; the
        cursor's count is where each one is."""
        visitors = self.state.visitors
        known = visitors.get(gw.home.name)
        if wanted is not None and known is not None and known[1] == wanted.list_id:
            list_id, items = known[1], known[2]
        else:
            with gw.home_work() as s:
                shared = s.get(lists.FeedList, wanted.list_id) if wanted else None
                if shared is None or shared.user_id is not None:
                    wanted = None
                    if known is None or known[0] != cands.version:
                        scores = score_all(cands, Taste(), utcnow().timestamp())
                        made = lists.shared_list(s, _items(scores, _left_out(scores), lists.VISITOR_LIST_SIZE,
                                                           str(len(cands))))
                        known = visitors[gw.home.name] = (cands.version, made.id, list(made.items))
                    list_id, items = known[1], known[2]
                else:
                    list_id, items = shared.id, list(shared.items)
        start = wanted.served if wanted else 0
        picks = [Pick(video_id=str(v), region=str(r), reason=dict(why)) for v, r, why in items[start:start + limit]]
        end = start + len(picks)
        return Ranked(picks=picks, next_cursor=f"{list_id}.{end}" if picks and end < len(items) else None)


def recommender_for(name: str, state: FeedState) -> Recommender:
    if name == "popular":
        return PoolRanker(personal=False, state=state)
    if name == "personal":
        return PoolRanker(personal=True, state=state)
    raise ValueError(f"unknown recommender {name!r}: use personal or popular")


def _left_out(scores: Scores) -> Mask:
    """Never ranked: what the viewer saw lately (unless rewatched) or said "not interested" to."""
    return scores.candidates.mask(scores.taste.seen | scores.taste.not_interested)


def _items(scores: Scores, leave_out: Mask, size: int, seed: str) -> list[list[Any]]:
    """The best ``size`` candidates not left out, as a list's items; ``seed`` makes the draws of
    the exploration places, so one list is one reproducible order."""
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    entries = scores.candidates.entries
    order = ranked(scores, leave_out=leave_out, size=size, rng=rng)
    return [[entries[i].id, entries[i].region, why] for i, why in zip(order, scores.reasons(order), strict=True)]


def _go_on(feed_list: lists.MemberList, remaining: list[Pick], scores: Scores) -> list[Pick]:
    """Add to the list the next best candidates it does not hold yet, up to ``MAX_ITEMS`` in all
    (so what a page reads and writes stays small); returns what remains of it now."""
    room = min(lists.LIST_SIZE, lists.MAX_ITEMS - len(feed_list.items))
    if room <= 0:
        return remaining
    listed = scores.candidates.mask([str(item[0]) for item in feed_list.items])
    more = _items(scores, _left_out(scores) | listed, room, f"{feed_list.id}.{len(feed_list.items)}")
    lists.extend(feed_list, more)
    return remaining + _remaining(more, set(), scores)


def _page(remaining: list[Pick], scores: Scores, limit: int) -> tuple[list[Pick], bool]:
    """The next videos of the list, after what the viewer did since it was made (``remaining``):
    videos like what they just watched to the end, liked or shared come first (at most half a
    page). Also says whether more come after."""
    position = scores.candidates.index.get
    found = [(pick, i) for pick in remaining if (i := position(pick.video_id)) is not None]
    at = [i for _, i in found]
    like = [(pick, i, total) for (pick, i), similar, total
            in zip(found, scores.similar[at].tolist(), scores.total[at].tolist(), strict=True) if similar > 0]
    fresh_taste: list[tuple[float, Pick]] = []
    for (pick, _, total), now in zip(like, scores.reasons([i for _, i, _ in like]), strict=True):
        if now["kind"] == "similar" and pick.reason.get("anchor") != now["anchor"]:
            fresh_taste.append((total, Pick(video_id=pick.video_id, region=pick.region, reason=now)))
    promoted = [p for _, p in sorted(fresh_taste, key=lambda x: -x[0])[: limit // 2]]
    chosen = {p.video_id for p in promoted}
    page = (promoted + [p for p in remaining if p.video_id not in chosen])[:limit]
    return page, len(remaining) > len(page)


def _remaining(items: list[Any], served: set[str], scores: Scores) -> list[Pick]:
    """The items not served yet that the viewer may still get, in the list's order: seen and
    "not interested" videos and muted creators drop out."""
    cands, taste = scores.candidates, scores.taste
    gone = served | taste.not_interested | taste.seen
    muted_creators, muted_sounds = taste.muted_creators, taste.muted_sounds
    position, entries = cands.index.get, cands.entries
    out: list[Pick] = []
    for video_id, region, reason in items:
        if video_id in gone:
            continue
        if muted_creators or muted_sounds:
            i = position(video_id)
            if i is not None:
                entry = entries[i]
                if muted_creators[entry.owner_id] or (entry.sound and muted_sounds[entry.sound]):
                    continue
        out.append(Pick(video_id, region, reason))  # read only: the list's items may be this process's cache
    return out
