"""Feeds, gathered from every region: the viewer's own directly, the others through the gateway.

For You is ranked by a ``Recommender`` (feed.recommender, chosen in config); this module only
gathers the cards of what it picked from each video's region. Its signals follow
docs/residency.md: per-video aggregates are anonymous and may cross regions; what a viewer did
stays in their home region and is used only there.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from havre.accounts.follows import followed_by_region, followed_in
from havre.accounts.models import User
from havre.errors import N_, InvalidInput
from havre.feed.recommender import Recommender
from havre.recs import events, signals
from havre.regions import Region
from havre.regions.gateway import Gateway
from havre.social import marks
from havre.social.counters import count_for_video
from havre.videos.access import access_videos
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


@dataclass(frozen=True)
class Page:
    videos: list[VideoCard]
    next_cursor: str | None
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)  # For You: why each video is there


def for_you(gw: Gateway, viewer_id: str | None, recommender: Recommender, *, cursor: str | None = None,
            limit: int = 10) -> Page:
    """The recommender's next page, as cards from each video's region (checked again there: a
    video made private since it was ranked is not shown)."""
    ranked = recommender.for_you(gw, viewer_id, cursor=cursor, limit=limit)
    by_region: dict[str, list[str]] = {}
    for pick in ranked.picks:
        by_region.setdefault(pick.region, []).append(pick.video_id)
    cards: dict[str, VideoCard] = {}
    for name, ids in by_region.items():
        cards.update((c.id, c) for c in gw.read(gw.regions.get(name), visible_videos, ids))
    shown = [cards[p.video_id] for p in ranked.picks if p.video_id in cards]
    return Page(videos=shown, next_cursor=ranked.next_cursor,
                reasons={p.video_id: p.reason for p in ranked.picks if p.video_id in cards})


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


# Following pages skip what the viewer said "not interested" to; a page of nothing but those
# reads on, at most this many times (the cursor then goes on after the last one read).
FOLLOWING_READS = 4


def following(gw: Gateway, viewer: User, *, cursor: str | None = None, limit: int = 10) -> Page:
    """The newest videos of the creators the viewer follows, without those they said "not
    interested" to (kept in their home region, read there)."""
    after = _decode(cursor)
    followed = followed_by_region(gw, viewer)
    dismissed = gw.read(gw.home, events.dismissed, viewer.id)
    shown: list[VideoCard] = []
    for _ in range(FOLLOWING_READS):
        pages = [gw.read(region, videos_of_owners, list(followed[region.name]),
                         followed_owner_ids=followed[region.name], after=after, limit=limit + 1)
                 for region in gw.regions if region.name in followed]
        page = _merge(pages, limit)
        shown += [card for card in page.videos if card.id not in dismissed]
        if len(shown) > limit or (len(shown) == limit and page.next_cursor is not None):
            return Page(videos=shown[:limit], next_cursor=cursor_after(shown[limit - 1]))
        if page.next_cursor is None:
            return Page(videos=shown, next_cursor=None)
        after = page.videos[-1].position
    return Page(videos=shown, next_cursor=cursor_after(page.videos[-1]))  # goes on after what was read


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
                watch_ms: int, completed: bool, session_secret: str,
                visitor_allowed: Callable[[str, str], bool] = marks.anyone) -> int:
    """The watch event is the viewer's (home); the view count is the video's (its region), raised
    once per viewer (or visitor session, ``session_secret``, within ``visitor_allowed``) per
    window: see social.marks.
    Returns the watch time kept: what the player sent, bounded by what could have been watched."""
    if not 0 <= watch_ms <= events.MAX_WATCH_MS:
        raise InvalidInput(N_("watch_ms must be between 0 and one hour."), field="watch_ms")
    if marks.first_time(s, kind=marks.VIEW, video_id=video.id, viewer=viewer, session_secret=session_secret,
                        visitor_allowed=visitor_allowed):
        count_for_video(s, home, video_region, video.id, views=1)
    if viewer is None:
        return 0
    # Every viewing is a signal for the recommender, counted or not.
    kept = events.possible_watch_ms(s, viewer.id, watch_ms, duration_s=video.duration_s)
    events.record(s, viewer.id, [events.Signal(video_id=video.id, kind=events.COMPLETE if completed
                                               else events.WATCH, watch_ms=kept)], kinds=events.KINDS)
    return kept


def record_events(gw: Gateway, s: Session, viewer: User | None, batch: list[events.Signal]) -> int:
    """The player's batch of what the viewer did, checked whole before anything is kept: its
    shape, then that every video exists and is visible to the viewer (404 naming the first that
    is not). A member's are kept at home and folded soon; a visitor's are checked and dropped."""
    events.check_batch(batch)
    access_videos(gw, [e.video_id for e in batch], viewer)
    if viewer is None or not batch:
        return 0
    events.record(s, viewer.id, batch)
    signals.fold_soon(s)
    return len(batch)
