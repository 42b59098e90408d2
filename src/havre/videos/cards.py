"""Plain, detached views of videos and their owners, and the readers that build them.

Feeds, pages and the API work on cards rather than ORM rows because a card may come from
another region (through the gateway), where no session of ours stays open. The readers marked
``@public_reader`` return only what anyone may see, so the gateway lets them cross regions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, select, tuple_
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.db import slots
from havre.regions.gateway import note_subjects, public_reader
from havre.videos.hashtags import parse_hashtags
from havre.videos.models import FOLLOWERS_VIS, PUBLIC_VIS, READY, Rendition, Video, VideoHashtag

# A keyset position in a feed sorted newest first: (posted_at, id) of the last video served.
Position = tuple[datetime, str]


@dataclass(frozen=True, kw_only=True)
class OwnerCard:
    id: str
    handle: str
    display_name: str
    bio: str
    avatar_key: str | None
    follower_count: int
    following_count: int
    home_region: str


@dataclass(frozen=True, kw_only=True)
class VideoCard:
    id: str
    owner: OwnerCard
    caption: str
    hashtags: tuple[str, ...]
    visibility: str
    status: str
    error: str | None
    posted_at: datetime
    duration_s: float
    width: int
    height: int
    poster_key: str | None
    mp4_key: str | None
    hls_key: str | None
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    allow_comments: bool = True
    sound_title: str | None = None
    legacy_counts: dict[str, int] = field(default_factory=dict)  # the counts it had on TikTok
    subtitle_langs: tuple[str, ...] = ()
    # The owner's own: when a scheduled draft posts itself (None in cards for others).
    publish_at: datetime | None = None

    @property
    def owner_id(self) -> str:
        return self.owner.id

    @property
    def position(self) -> Position:
        return (self.posted_at, self.id)


def owner_card(user: User) -> OwnerCard:
    return OwnerCard(id=user.id, handle=user.handle, display_name=user.display_name, bio=user.bio,
                     avatar_key=user.avatar_key, follower_count=user.follower_count,
                     following_count=user.following_count, home_region=user.home_region)


def video_cards(s: Session, videos: Iterable[Video], *, with_error: bool = False,
                owner_rows: Iterable[User] | None = None) -> list[VideoCard]:
    """Cards for rows of this session, in the given order, with one query for the whole batch
    (none when the caller already loaded the owners with the videos). Hashtags come from the
    caption, as the tag index does (videos/hashtags.py)."""
    videos = list(videos)
    if owner_rows is None:
        owner_ids = list({v.owner_id for v in videos})
        owner_rows = s.scalars(select(User).where(User.id.in_(owner_ids))) if owner_ids else []
    owners = {u.id: owner_card(u) for u in owner_rows}
    note_subjects(owners)
    return [_card(v, owners[v.owner_id], with_error=with_error) for v in videos if v.owner_id in owners]


def _card(v: Video, owner: OwnerCard, *, with_error: bool = False) -> VideoCard:
    return VideoCard(id=v.id, owner=owner, caption=v.caption, hashtags=_sorted_hashtags(v.caption),
                     visibility=v.visibility, status=v.status, error=v.error if with_error else None,
                     posted_at=v.posted_at, duration_s=v.duration_s, width=v.width, height=v.height,
                     poster_key=v.poster_key, mp4_key=v.mp4_key, hls_key=v.hls_key, like_count=v.like_count,
                     comment_count=v.comment_count, share_count=v.share_count, view_count=v.view_count,
                     allow_comments=v.allow_comments, sound_title=v.sound_title,
                     legacy_counts=dict(v.legacy_counts or {}), subtitle_langs=tuple(v.subtitle_langs or ()),
                     publish_at=v.publish_at if with_error else None)


def _visible(followed_owner_ids: Iterable[str]) -> object:
    followed = list(followed_owner_ids)
    public = Video.visibility == PUBLIC_VIS
    if not followed:
        return (Video.status == READY) & public
    return (Video.status == READY) & (public | ((Video.visibility == FOLLOWERS_VIS) & Video.owner_id.in_(followed)))


def _with_owners(s: Session, query: Select[Video]) -> tuple[list[Video], list[User]]:
    """The videos of ``query`` and their owners in one round trip (feeds are on the hot path)."""
    rows = s.execute(query.add_columns(User).join(User, User.id == Video.owner_id)).all()
    return [row[0] for row in rows], [row[1] for row in rows]


def _page(s: Session, query: Select[Video], after: Position | None, limit: int) -> list[VideoCard]:
    if after is not None:
        query = query.where(tuple_(Video.posted_at, Video.id) < after)
    videos, owners = _with_owners(s, query.order_by(Video.posted_at.desc(), Video.id.desc()).limit(limit))
    return video_cards(s, videos, owner_rows=owners)


_OWNER_FIELDS = ("id", "handle", "display_name", "bio", "avatar_key", "follower_count", "following_count",
                 "home_region")
_VIDEOS, _USERS = cast(Table, Video.__table__), cast(Table, User.__table__)
# Every feed page looks its cards up so: plain rows (no ORM objects to build for ten cards), by key,
# the owners' columns beside the videos', in statements built once.
# What a card reads of a video (a row of all its columns would convert the ones it does not), in
# the order ``visible_videos`` unpacks them.
_CARD_FIELDS = ("id", "owner_id", "caption", "visibility", "status", "posted_at", "duration_s", "width", "height",
                "poster_key", "mp4_key", "hls_key", "like_count", "comment_count", "share_count", "view_count",
                "allow_comments", "sound_title", "legacy_counts", "subtitle_langs")
_CARD_COLUMNS = (*(_VIDEOS.c[name] for name in _CARD_FIELDS),
                 *(_USERS.c[name].label(f"owner__{name}") for name in _OWNER_FIELDS))
_BY_IDS = {size: select(*_CARD_COLUMNS).join(_USERS, _USERS.c.id == _VIDEOS.c.owner_id)
           .where(slots.in_slots(_VIDEOS.c.id, "id", size)) for size in slots.SIZES}


def _card_rows(s: Session, video_ids: list[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of these videos with their owners' columns, in any order; missing ones left out."""
    for chunk in slots.chunks(video_ids):
        size = slots.size_for(len(chunk))
        yield from s.connection().execute(_BY_IDS[size], slots.filled("id", chunk, size))


def _shown(status: str, visibility: str, owner_id: str, followed: set[str]) -> bool:
    """Whether a viewer who follows ``followed`` may see a video: ready, and public or
    followers-only of someone they follow (their own private videos are read at home apart)."""
    return status == READY and (visibility == PUBLIC_VIS or (visibility == FOLLOWERS_VIS and owner_id in followed))


@public_reader
def visible_ids(s: Session, video_ids: list[str], *, followed_owner_ids: tuple[str, ...] = ()) -> list[str]:
    """Which of these videos may be seen (``visible_videos``' rule, without building cards)."""
    followed = set(followed_owner_ids)
    rows = s.execute(select(Video.id, Video.owner_id, Video.status, Video.visibility)
                     .where(Video.id.in_(video_ids))).all() if video_ids else []
    shown = [(video_id, owner_id) for video_id, owner_id, status, visibility in rows
             if _shown(status, visibility, owner_id, followed)]
    note_subjects({owner_id for _, owner_id in shown})
    return [video_id for video_id, _ in shown]


def own_ids(s: Session, owner_id: str, video_ids: list[str]) -> list[str]:
    """Which of these videos are ``owner_id``'s own, whatever their state (read at home only)."""
    return list(s.scalars(select(Video.id).where(Video.owner_id == owner_id, Video.id.in_(video_ids))))


@lru_cache(maxsize=8192)
def _sorted_hashtags(caption: str) -> tuple[str, ...]:
    """A card's hashtags: the same captions come back page after page."""
    return tuple(sorted(parse_hashtags(caption)))


@public_reader
def visible_videos(s: Session, video_ids: list[str], *, followed_owner_ids: tuple[str, ...] = ()) -> list[VideoCard]:
    """Show videos: public ones, and followers-only ones of owners the viewer follows."""
    if not video_ids:
        return []
    # Looked up by key alone, the rule applied to the rows found: a planner without statistics
    # would otherwise serve "id IN (...) AND status AND visibility" from the feed index, scanning
    # every ready public video.
    followed = set(followed_owner_ids)
    owners: dict[str, OwnerCard] = {}
    cards: dict[str, VideoCard] = {}
    # Unpacked by position: a feed page builds its cards from these rows on every request.
    for (video_id, owner_id, caption, visibility, status, posted_at, duration_s, width, height, poster_key, mp4_key,
         hls_key, like_count, comment_count, share_count, view_count, allow_comments, sound_title, legacy_counts,
         subtitle_langs, *owner) in _card_rows(s, video_ids):
        if not _shown(status, visibility, owner_id, followed):
            continue
        owner_card_ = owners.get(owner_id)
        if owner_card_ is None:
            owner_card_ = owners[owner_id] = OwnerCard(**dict(zip(_OWNER_FIELDS, owner, strict=True)))
        cards[video_id] = VideoCard(
            id=video_id, owner=owner_card_, caption=caption, hashtags=_sorted_hashtags(caption),
            visibility=visibility, status=status, error=None, posted_at=posted_at, duration_s=duration_s, width=width,
            height=height, poster_key=poster_key, mp4_key=mp4_key, hls_key=hls_key, like_count=like_count,
            comment_count=comment_count, share_count=share_count, view_count=view_count,
            allow_comments=allow_comments, sound_title=sound_title, legacy_counts=dict(legacy_counts or {}),
            subtitle_langs=tuple(subtitle_langs or ()))
    note_subjects(owners)
    return [cards[i] for i in video_ids if i in cards]


@public_reader
def tagged_videos(s: Session, tag: str, *, after: Position | None, limit: int) -> list[VideoCard]:
    """Hashtag feed page."""
    tagged = select(VideoHashtag.video_id).where(VideoHashtag.tag == tag)
    query = select(Video).where(Video.id.in_(tagged), Video.status == READY, Video.visibility == PUBLIC_VIS)
    return _page(s, query, after, limit)


@public_reader
def videos_with_sound(s: Session, sound: str, *, after: Position | None, limit: int) -> list[VideoCard]:
    """Sound page: public videos using this sound."""
    query = select(Video).where(Video.sound_title == sound, Video.status == READY, Video.visibility == PUBLIC_VIS)
    return _page(s, query, after, limit)


@public_reader
def videos_of_owners(s: Session, owner_ids: list[str], *, followed_owner_ids: tuple[str, ...] = (),
                     after: Position | None, limit: int) -> list[VideoCard]:
    """Profile or Following feed page: visible videos of these creators."""
    if not owner_ids:
        return []
    query = select(Video).where(Video.owner_id.in_(owner_ids), _visible(followed_owner_ids))  # type: ignore[arg-type]
    return _page(s, query, after, limit)


@public_reader
def public_profile(s: Session, handle: str) -> OwnerCard | None:
    """Profile page header."""
    user = s.scalar(select(User).where(User.handle == handle))
    if user is None:
        return None
    note_subjects([user.id])
    return owner_card(user)


@public_reader
def video_of_tiktok_id(s: Session, owner_id: str, tiktok_id: str) -> str | None:
    """Old TikTok link of an imported public video."""
    video_id = s.scalar(select(Video.id).where(Video.owner_id == owner_id, Video.tiktok_id == tiktok_id,
                                               Video.status == READY, Video.visibility == PUBLIC_VIS).limit(1))
    if video_id is not None:
        note_subjects([owner_id])
    return video_id


@public_reader
def rendition_size(s: Session, video_id: str, mp4_key: str) -> tuple[int, int] | None:
    """Width and height of the rendition stored at ``mp4_key`` (None when it is not one: the
    remuxed upload, whose size is the video's). Rendition sizes are public, like the video's."""
    row = s.execute(select(Rendition.width, Rendition.height)
                    .where(Rendition.video_id == video_id, Rendition.mp4_key == mp4_key)).first()
    return (row.width, row.height) if row is not None else None


def own_videos(s: Session, owner_id: str, *, after: Position | None, limit: int) -> list[VideoCard]:
    """Every video of the owner, processing and private ones too (home region only)."""
    query = select(Video).where(Video.owner_id == owner_id)
    if after is not None:
        query = query.where(tuple_(Video.posted_at, Video.id) < after)
    rows = s.scalars(query.order_by(Video.posted_at.desc(), Video.id.desc()).limit(limit))
    return video_cards(s, rows, with_error=True)


def own_drafts(s: Session, owner_id: str, *, limit: int = 100) -> list[VideoCard]:
    """The owner's drafts, scheduled or not, newest upload first (home region only)."""
    rows = s.scalars(select(Video).where(Video.owner_id == owner_id, Video.draft.is_(True))
                     .order_by(Video.created_at.desc(), Video.id.desc()).limit(limit))
    return video_cards(s, rows, with_error=True)


def access_own_card(s: Session, owner_id: str, video_id: str) -> VideoCard | None:
    video = s.get(Video, video_id)
    if video is None or video.owner_id != owner_id:
        return None
    return video_cards(s, [video], with_error=True)[0]
