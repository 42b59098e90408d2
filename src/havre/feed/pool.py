"""For You's candidates: each region's public videos with their anonymous engagement aggregates.

A region's pool is its newest public videos and its most engaged ones, each with the counts
(likes, comments, shares, views) and the player's sums (impressions, completes, skips...) kept
beside it. Only anonymous aggregates and public facts travel (docs/residency.md). A server process
keeps each region's pool for ``POOL_TTL_S`` and reads it again after that, through the gateway,
so a request reads no region's candidates itself; the read is audited when it happens, as any
crossing.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.feed.candidates import Candidates
from havre.recs.signals import VideoSignals
from havre.regions import serving
from havre.regions.gateway import Gateway, note_subjects, public_reader
from havre.videos.hashtags import parse_hashtags
from havre.videos.models import PUBLIC_VIS, READY, Video

log = logging.getLogger(__name__)
# Each candidate's outcomes are estimated from its anonymous aggregates with a prior (a video with
# no plays yet scores as an average one), then combined into one number (docs/recommender.md):
#     quality = 1.0 P(complete) + 0.6 E(share watched) + 2.0 P(like) + 3.0 P(share)
#               - 1.0 P(skip) - 2.0 P(not interested)
PRIOR_N = 8.0  # how many plays the prior is worth
PRIOR = {"complete": 0.35, "watch": 0.5, "like": 0.04, "share": 0.005, "skip": 0.3, "not_interested": 0.01}
WEIGHTS = {"complete": 1.0, "watch": 0.6, "like": 2.0, "share": 3.0, "skip": -1.0, "not_interested": -2.0}

NEWEST = 1500
MOST_LIKED = 500
POOL_TTL_S = 15.0


@dataclass(frozen=True, kw_only=True)
class PoolEntry:
    id: str
    region: str
    owner_id: str
    sound: str | None
    hashtags: tuple[str, ...]
    posted_at: datetime
    duration_s: float
    likes: int
    comments: int
    shares: int
    views: int
    impressions: int
    plays: int
    completes: int
    skips: int
    loops: int
    not_interested: int
    quality: float = 0.0  # see ``quality``: computed once, when the pool is read


_COLUMNS = (Video.id, Video.owner_id, Video.sound_title, Video.caption, Video.posted_at, Video.duration_s,
            Video.like_count, Video.comment_count, Video.share_count, Video.view_count, VideoSignals.impressions,
            VideoSignals.plays, VideoSignals.completes, VideoSignals.skips, VideoSignals.loops,
            VideoSignals.not_interested)


@public_reader
def candidate_pool(s: Session, region: str, *, newest: int = NEWEST, most_liked: int = MOST_LIKED) -> list[PoolEntry]:
    """For You candidates: public videos with anonymous counts."""
    joined = select(*_COLUMNS).outerjoin(VideoSignals, VideoSignals.video_id == Video.id)
    newest_first = (joined.where(Video.status == READY, Video.visibility == PUBLIC_VIS)
                    .order_by(Video.posted_at.desc()).limit(newest))  # ix_videos_feed, in its order
    # The most liked are read down ix_videos_like_count, stopping at the limit. Written plainly, a
    # planner without statistics (SQLite before ANALYZE) serves the test on status and visibility
    # from ix_videos_feed and sorts every ready public video (100 ms at 100k, growing with them);
    # as expressions, those tests can only filter the rows the like-count index brings.
    most_liked_first = (joined.where(Video.status.concat("") == READY, Video.visibility.concat("") == PUBLIC_VIS)
                        .order_by(Video.like_count.desc()).limit(most_liked))
    rows = {r.id: r for r in s.execute(newest_first)}
    rows.update((r.id, r) for r in s.execute(most_liked_first))
    entries = [_with_quality(PoolEntry(id=r.id, region=region, owner_id=r.owner_id, sound=r.sound_title,
                         hashtags=tuple(parse_hashtags(r.caption)), posted_at=r.posted_at, duration_s=r.duration_s,
                         likes=r.like_count, comments=r.comment_count, shares=r.share_count, views=r.view_count,
                         impressions=r.impressions or 0, plays=r.plays or 0, completes=r.completes or 0,
                         skips=r.skips or 0, loops=r.loops or 0, not_interested=r.not_interested or 0))
               for r in rows.values()]
    note_subjects({e.owner_id for e in entries})
    return entries


def _with_quality(entry: PoolEntry) -> PoolEntry:
    return dataclasses.replace(entry, quality=quality(entry))


def _rate(hits: float, trials: float, prior: float) -> float:
    return (hits + PRIOR_N * prior) / (trials + PRIOR_N)


def predicted(c: PoolEntry) -> dict[str, float]:
    """Estimated outcomes of one more play of ``c``, each pulled toward the prior by few plays.

    Completions and skips are outcomes of plays, so they are rated over at least their own sum;
    likes, shares and "not interested" are rated over the plays, views and impressions sent, never
    over completions or skips: each signal then moves the score its own way only (more
    completions never lower the like rate, more skips never lower the "not interested" rate;
    tests/security/test_signal_integrity.py)."""
    outcomes = max(c.plays, c.completes + c.skips)
    audience = max(c.views, c.plays)
    watched = _rate(c.completes + 0.5 * max(0, outcomes - c.completes - c.skips), outcomes, PRIOR["watch"])
    return {"complete": _rate(c.completes, outcomes, PRIOR["complete"]), "watch": min(1.0, watched),
            "like": _rate(c.likes, audience, PRIOR["like"]), "share": _rate(c.shares, audience, PRIOR["share"]),
            "skip": _rate(c.skips, outcomes, PRIOR["skip"]),
            "not_interested": _rate(c.not_interested, max(c.impressions, c.plays), PRIOR["not_interested"])}


def quality(c: PoolEntry) -> float:
    """The candidate's predicted outcomes, weighted (the module's head says how)."""
    p = predicted(c)
    return sum(WEIGHTS[k] * p[k] for k in WEIGHTS)


class PoolCache:
    """Each region's pool, read at most once per ``ttl_s`` per process, and every region's together
    as ``Candidates`` (feed.candidates), built once per refresh.

    A pool past its time is still served while one background thread reads it again, so no
    request waits for a read and no two threads read the same region at once (a thread started
    while another refreshes does nothing). Only a pool this process has none of (the first
    request, or after a change to a region's videos announced in this process, ``stale``: a new
    upload is ready, a video turned private) is read on the request path, by one request while the
    others wait for it. Other processes see such a change within ``ttl_s`` (and a page never shows
    a video that is no longer visible: its card is read again from its region, feed.service).
    """

    def __init__(self, *, ttl_s: float = POOL_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._pools: dict[str, tuple[float, list[PoolEntry]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._refreshing: set[str] = set()
        self._combined: tuple[tuple[list[PoolEntry], ...], Candidates] | None = None
        self._guard = threading.Lock()

    def stale(self, region: str) -> None:
        """The region's videos changed (``regions.changes.VIDEOS``): its next page reads them again."""
        self._pools.pop(region, None)

    def candidates(self, gw: Gateway) -> Candidates:
        """Every region's candidates; the same object until a region's pool is read again."""
        pools = tuple(self._pool(gw, name) for name in sorted(r.name for r in gw.regions))
        return self._combine(pools)

    def _combine(self, pools: tuple[list[PoolEntry], ...]) -> Candidates:
        combined = self._combined
        if not _same(combined, pools):
            with self._guard:  # one thread lays out the arrays; the others use them
                combined = self._combined
                if not _same(combined, pools):
                    combined = (pools, Candidates([e for pool in pools for e in pool]))
                    self._combined = combined
        assert combined is not None
        return combined[1]

    def _pool(self, gw: Gateway, name: str) -> list[PoolEntry]:
        cached = self._pools.get(name)
        if cached is None:
            return self._read_now(gw, name)
        if time.monotonic() - cached[0] >= self.ttl_s:
            self._refresh_later(gw, name)
        return cached[1]

    def _read_now(self, gw: Gateway, name: str) -> list[PoolEntry]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # one request reads it; the others wait for that read rather than repeat it
            cached = self._pools.get(name)
            if cached is None:
                cached = (time.monotonic(), gw.read(gw.regions.get(name), candidate_pool, name))
                self._pools[name] = cached
            return cached[1]

    def _refresh_later(self, gw: Gateway, name: str) -> None:
        with self._guard:
            if name in self._refreshing:
                return
            self._refreshing.add(name)
        # Outside the request: its crossing is audited on its own (no ledger), served for the
        # same home region as the request that noticed the pool was old, on a session of its own
        # (a session is one thread's, and the request's closes when it ends).
        background = dataclasses.replace(gw, ledger=None, home_session=None)
        threading.Thread(target=self._refresh, args=(background, name), name=f"havre-pool-{name}",
                         daemon=True).start()

    def _refresh(self, gw: Gateway, name: str) -> None:
        try:
            with serving(gw.home.name):
                entries = gw.read(gw.regions.get(name), candidate_pool, name)
            self._pools[name] = (time.monotonic(), entries)
            self.candidates(gw)  # lay out the arrays here too, not on the next request
        except Exception:  # the old pool stays served; the next request past its time tries again
            log.exception("refreshing the candidate pool of region %s failed", name)
        finally:
            with self._guard:
                self._refreshing.discard(name)


def _same(combined: tuple[tuple[list[PoolEntry], ...], Candidates] | None, pools: tuple[list[PoolEntry], ...]) -> bool:
    """Whether ``combined`` was laid out from these very pools (the same list objects)."""
    return combined is not None and len(combined[0]) == len(pools) and all(
        a is b for a, b in zip(combined[0], pools, strict=True))
