"""Feeds. For You is "fresh + popular, unseen first" until the recommender issue replaces it."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, tuple_, update
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.errors import N_, InvalidInput
from havre.feed.models import WatchEvent
from havre.social.models import Follow
from havre.videos.models import FOLLOWERS_VIS, PUBLIC_VIS, READY, Video, VideoHashtag

CANDIDATES = 1000
MAX_WATCH_MS = 60 * 60 * 1000


@dataclass(frozen=True)
class Page:
    videos: list[Video]
    next_cursor: str | None


def popularity(*, likes: int, comments: int, shares: int, views: int, posted_at: datetime,
               now: datetime) -> float:
    # Engagement, decayed by age (Hacker-News-style gravity), so fresh posts surface.
    engagement = 1 + likes * 2 + comments * 3 + shares * 4 + views * 0.2
    age_h = max(0.0, (now - posted_at).total_seconds() / 3600)
    return math.log1p(engagement) / (age_h + 2) ** 0.8


def seen_video_ids(s: Session, viewer: User) -> set[str]:
    return set(s.scalars(select(WatchEvent.video_id).where(WatchEvent.user_id == viewer.id)))


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return max(0, int(cursor))
    except ValueError:
        raise InvalidInput(N_("The feed cursor is malformed; reload the feed.")) from None


def for_you(s: Session, viewer: User | None, *, cursor: str | None = None, limit: int = 10) -> Page:
    offset = _offset(cursor)
    # Rank on a few columns of the candidates; load whole rows only for the page served.
    candidates = s.execute(
        select(Video.id, Video.like_count, Video.comment_count, Video.share_count, Video.view_count,
               Video.posted_at)
        .where(Video.status == READY, Video.visibility == PUBLIC_VIS)
        .order_by(Video.posted_at.desc()).limit(CANDIDATES)).all()
    now = utcnow()
    seen = seen_video_ids(s, viewer) if viewer else set()
    scored = sorted(candidates, key=lambda c: (
        c.id in seen,
        -popularity(likes=c.like_count, comments=c.comment_count, shares=c.share_count, views=c.view_count,
                    posted_at=c.posted_at, now=now),
        c.id))
    page_ids = [c.id for c in scored[offset:offset + limit]]
    rows = {v.id: v for v in s.scalars(select(Video).where(Video.id.in_(page_ids)))} if page_ids else {}
    more = offset + limit < len(scored)
    return Page(videos=[rows[i] for i in page_ids if i in rows], next_cursor=str(offset + limit) if more else None)


def _encode_key(video: Video) -> str:
    return base64.urlsafe_b64encode(f"{video.posted_at.isoformat()}|{video.id}".encode()).decode()


def _keyset_page(s: Session, query: Select[Video], cursor: str | None, limit: int) -> Page:
    if cursor:
        try:
            when, vid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
            query = query.where(tuple_(Video.posted_at, Video.id) < (datetime.fromisoformat(when), vid))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(N_("The feed cursor is malformed; reload the feed.")) from None
    videos = list(s.scalars(query.order_by(Video.posted_at.desc(), Video.id.desc()).limit(limit + 1)))
    more = len(videos) > limit
    videos = videos[:limit]
    return Page(videos=videos, next_cursor=_encode_key(videos[-1]) if more else None)


def following(s: Session, viewer: User, *, cursor: str | None = None, limit: int = 10) -> Page:
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
    query = select(Video).where(Video.owner_id.in_(followed), Video.status == READY,
                                Video.visibility.in_((PUBLIC_VIS, FOLLOWERS_VIS)))
    return _keyset_page(s, query, cursor, limit)


def by_tag(s: Session, tag: str, *, cursor: str | None = None, limit: int = 10) -> Page:
    tagged = select(VideoHashtag.video_id).where(VideoHashtag.tag == tag.lower().lstrip("#"))
    query = select(Video).where(Video.id.in_(tagged), Video.status == READY, Video.visibility == PUBLIC_VIS)
    return _keyset_page(s, query, cursor, limit)


def by_owner(s: Session, owner: User, viewer: User | None, *, cursor: str | None = None, limit: int = 30) -> Page:
    query = select(Video).where(Video.owner_id == owner.id)
    if viewer is None or viewer.id != owner.id:
        visible = [PUBLIC_VIS]
        if viewer is not None and s.get(Follow, (viewer.id, owner.id)) is not None:
            visible.append(FOLLOWERS_VIS)
        query = query.where(Video.status == READY, Video.visibility.in_(visible))
    return _keyset_page(s, query, cursor, limit)


def record_view(s: Session, viewer: User | None, video: Video, *, watch_ms: int, completed: bool) -> None:
    if not 0 <= watch_ms <= MAX_WATCH_MS:
        raise InvalidInput(N_("watch_ms must be between 0 and one hour."), field="watch_ms")
    s.execute(update(Video).where(Video.id == video.id).values(view_count=Video.view_count + 1))
    if viewer is not None:
        s.add(WatchEvent(user_id=viewer.id, video_id=video.id, watch_ms=watch_ms, completed=completed))
