"""Feeds, gathered from every region: the viewer's own directly, the others through the gateway.

For You is "fresh + popular, unseen first" until the recommender issue replaces it. Its signals
follow docs/residency.md: per-video counts are anonymous aggregates and may cross regions; what
a viewer watched stays in their home region and is used only there.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.follows import followed_by_region, followed_in
from havre.accounts.models import User
from havre.db.base import utcnow
from havre.errors import N_, InvalidInput
from havre.feed.models import WatchEvent
from havre.regions import Region
from havre.regions.gateway import Gateway, public_reader
from havre.social import marks
from havre.social.counters import count_for_video
from havre.videos.cards import (
    OwnerCard,
    Position,
    VideoCard,
    own_videos,
    tagged_videos,
    videos_of_owners,
    videos_with_sound,
    visible_videos,
)
from havre.videos.models import PUBLIC_VIS, READY, Video

CANDIDATES = 1000
MAX_WATCH_MS = 60 * 60 * 1000


@dataclass(frozen=True)
class Page:
    videos: list[VideoCard]
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class Candidate:
    id: str
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    posted_at: datetime


def popularity(*, likes: int, comments: int, shares: int, views: int, posted_at: datetime,
               now: datetime) -> float:
    # Engagement, decayed by age (Hacker-News-style gravity), so fresh posts surface.
    engagement = 1 + likes * 2 + comments * 3 + shares * 4 + views * 0.2
    age_h = max(0.0, (now - posted_at).total_seconds() / 3600)
    return math.log1p(engagement) / (age_h + 2) ** 0.8


@public_reader
def for_you_candidates(s: Session, *, limit: int = CANDIDATES) -> list[Candidate]:
    """For You candidates: anonymous counts of the newest public videos."""
    rows = s.execute(
        select(Video.id, Video.like_count, Video.comment_count, Video.share_count, Video.view_count,
               Video.posted_at)
        .where(Video.status == READY, Video.visibility == PUBLIC_VIS)
        .order_by(Video.posted_at.desc()).limit(limit))
    return [Candidate(id=r.id, like_count=r.like_count, comment_count=r.comment_count, share_count=r.share_count,
                      view_count=r.view_count, posted_at=r.posted_at) for r in rows]


def _seen(s: Session, viewer_id: str) -> set[str]:
    return set(s.scalars(select(WatchEvent.video_id).where(WatchEvent.user_id == viewer_id)))


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return max(0, int(cursor))
    except ValueError:
        raise InvalidInput(N_("The feed cursor is malformed; reload the feed.")) from None


def for_you(gw: Gateway, viewer: User | None, *, cursor: str | None = None, limit: int = 10) -> Page:
    offset = _offset(cursor)
    # Rank on a few columns of each region's candidates; load cards only for the page served.
    region_of: dict[str, Region] = {}
    candidates: list[Candidate] = []
    for region, found in gw.read_all(for_you_candidates):
        candidates += found
        region_of.update((c.id, region) for c in found)
    now = utcnow()
    seen = gw.read(gw.home, _seen, viewer.id) if viewer else set()
    scored = sorted(candidates, key=lambda c: (
        c.id in seen,
        -popularity(likes=c.like_count, comments=c.comment_count, shares=c.share_count, views=c.view_count,
                    posted_at=c.posted_at, now=now),
        c.id))
    page_ids = [c.id for c in scored[offset:offset + limit]]
    cards: dict[str, VideoCard] = {}
    for region in {region_of[i].name: region_of[i] for i in page_ids}.values():
        wanted = [i for i in page_ids if region_of[i] is region]
        cards.update((c.id, c) for c in gw.read(region, visible_videos, wanted))
    more = offset + limit < len(scored)
    return Page(videos=[cards[i] for i in page_ids if i in cards], next_cursor=str(offset + limit) if more else None)


def _decode(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        when, vid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        posted_at = datetime.fromisoformat(when)
        if posted_at.tzinfo is None:  # ours always say UTC; a naive time cannot be compared to them
            raise ValueError(when)
        return posted_at, vid
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The feed cursor is malformed; reload the feed.")) from None


def cursor_after(card: VideoCard) -> str:
    """The cursor of a newest-first feed (following, tag, sound, a creator's) that goes on after ``card``."""
    return base64.urlsafe_b64encode(f"{card.posted_at.isoformat()}|{card.id}".encode()).decode()


def _merge(pages: list[list[VideoCard]], limit: int) -> Page:
    """Newest first across regions: each gave up to limit+1 after the cursor, keep the first limit."""
    merged = sorted((c for page in pages for c in page), key=lambda c: c.position, reverse=True)
    more = len(merged) > limit
    merged = merged[:limit]
    if not merged:
        return Page(videos=[], next_cursor=None)
    return Page(videos=merged, next_cursor=cursor_after(merged[-1]) if more else None)


def following(gw: Gateway, viewer: User, *, cursor: str | None = None, limit: int = 10) -> Page:
    after = _decode(cursor)
    followed = followed_by_region(gw, viewer)
    pages = [gw.read(region, videos_of_owners, list(followed[region.name]), followed_owner_ids=followed[region.name],
                     after=after, limit=limit + 1) for region in gw.regions if region.name in followed]
    return _merge(pages, limit)


def by_tag(gw: Gateway, tag: str, *, cursor: str | None = None, limit: int = 10) -> Page:
    after = _decode(cursor)
    tag = tag.lower().lstrip("#")
    return _merge([page for _, page in gw.read_all(tagged_videos, tag, after=after, limit=limit + 1)], limit)


def by_sound(gw: Gateway, sound: str, *, cursor: str | None = None, limit: int = 10) -> Page:
    after = _decode(cursor)
    return _merge([page for _, page in gw.read_all(videos_with_sound, sound, after=after, limit=limit + 1)], limit)


def by_owner(gw: Gateway, region: Region, owner: OwnerCard, viewer: User | None, *, cursor: str | None = None,
             limit: int = 30) -> Page:
    after = _decode(cursor)
    if viewer is not None and viewer.id == owner.id:
        return _merge([gw.read(region, own_videos, owner.id, after=after, limit=limit + 1)], limit)
    page = gw.read(region, videos_of_owners, [owner.id], followed_owner_ids=followed_in(gw, viewer, region),
                   after=after, limit=limit + 1)
    return _merge([page], limit)


def record_view(s: Session, home: Region, viewer: User | None, video_region: Region, video: VideoCard, *,
                watch_ms: int, completed: bool, session_secret: str) -> None:
    """The watch event is the viewer's (home); the view count is the video's (its region), raised
    once per viewer (or visitor session, ``session_secret``) per window: see social.marks."""
    if not 0 <= watch_ms <= MAX_WATCH_MS:
        raise InvalidInput(N_("watch_ms must be between 0 and one hour."), field="watch_ms")
    if marks.first_time(s, kind=marks.VIEW, video_id=video.id, viewer=viewer, session_secret=session_secret):
        count_for_video(s, home, video_region, video.id, views=1)
    # Every viewing is a signal for the recommender, counted or not.
    if viewer is not None:
        s.add(WatchEvent(user_id=viewer.id, video_id=video.id, watch_ms=watch_ms, completed=completed))
