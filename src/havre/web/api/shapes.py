"""The JSON shape of a video, built from cards in batches: a feed page costs a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.blobs import keys
from havre.regions import Region
from havre.regions.gateway import Gateway
from havre.social import service as social
from havre.social.profile import saved_ids
from havre.videos.cards import OwnerCard, VideoCard, rendition_size


class OwnerOut(BaseModel):
    handle: str
    display_name: str
    avatar_url: str | None
    follower_count: int


class SubtitleOut(BaseModel):
    lang: str
    url: str


class VideoFacts(BaseModel):
    """What a video is, read off a card or a row by attribute: the one list of these fields for
    the API (``VideoOut``) and the CLI's JSON (``commands.video_json``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    caption: str
    visibility: str
    status: str
    error: str | None
    posted_at: datetime
    duration_s: float
    width: int
    height: int


_FACTS = tuple(VideoFacts.model_fields)


class VideoOut(VideoFacts):
    url: str
    owner: OwnerOut
    hashtags: list[str]
    poster_url: str | None
    mp4_url: str | None
    hls_url: str | None
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    liked_by_me: bool
    following_owner: bool
    saved_by_me: bool = False  # in the viewer's Saved collection
    is_mine: bool
    allow_comments: bool = True
    sound: str | None = None
    on_tiktok: dict[str, int] = {}  # counts it had on TikTok, for imported videos
    subtitles: list[SubtitleOut] = []
    why: str | None = None  # For You: why it is shown ("Because you watched @lea.cuisine to the end")


class VideoPage(BaseModel):
    items: list[VideoOut]
    next_cursor: str | None


def media_url(video_id: str, key: str | None) -> str | None:
    """Public URL of a derived file; keys outside the video's folder (the original) have none."""
    prefix = keys.video_prefix(video_id)
    if not key or not key.startswith(prefix):
        return None
    return f"/media/v/{video_id}/{key.removeprefix(prefix)}"


def mp4_size(gw: Gateway, region: Region, card: VideoCard) -> tuple[int, int]:
    """The size of the file ``mp4_url`` points to: once the ladder is built, its best rendition
    (720p for a 1080p upload), else the remuxed upload, which has the video's size."""
    if card.mp4_key is None:
        return card.width, card.height
    return gw.read(region, rendition_size, card.id, card.mp4_key) or (card.width, card.height)


def avatar_url(owner: User | OwnerCard) -> str | None:
    return f"/media/avatar/{owner.id}" if owner.avatar_key else None


def owner_out(owner: User | OwnerCard) -> OwnerOut:
    return OwnerOut(handle=owner.handle, display_name=owner.display_name,
                    avatar_url=avatar_url(owner), follower_count=owner.follower_count)


def _viewer_marks(s: Session, viewer_id: str | None, video_ids: list[str],
                  owner_ids: list[str]) -> tuple[set[str], set[str], set[str]]:
    liked, followed = social.marks_on_cards(s, viewer_id, video_ids, owner_ids)
    return liked, followed, saved_ids(s, viewer_id, video_ids)


def serialize_cards(gw: Gateway, cards: list[VideoCard], viewer_id: str | None) -> list[VideoOut]:
    """Cards from any region; what the viewer liked and follows is read at home, where it lives."""
    liked, followed, saved = gw.read(gw.home, _viewer_marks, viewer_id, [c.id for c in cards],
                                     list({c.owner.id for c in cards}))
    return [_video_out(c, viewer_id, liked=c.id in liked, following=c.owner.id in followed, saved=c.id in saved)
            for c in cards]


def _video_out(c: VideoCard, viewer_id: str | None, *, liked: bool, following: bool,
               saved: bool = False) -> VideoOut:
    mine = viewer_id == c.owner.id
    # The facts read straight off the card (VideoOut validates them once; a VideoFacts first would
    # be a second time), the error for the owner only.
    facts = {name: getattr(c, name) for name in _FACTS} | {"error": c.error if mine else None}
    return VideoOut(
        **facts, url=f"/v/{c.id}", owner=owner_out(c.owner), hashtags=list(c.hashtags),
        poster_url=media_url(c.id, c.poster_key), mp4_url=media_url(c.id, c.mp4_key),
        hls_url=media_url(c.id, c.hls_key), like_count=c.like_count, comment_count=c.comment_count,
        share_count=c.share_count, view_count=c.view_count, liked_by_me=liked, following_owner=following,
        saved_by_me=saved,
        is_mine=mine, allow_comments=c.allow_comments, sound=c.sound_title, on_tiktok=c.legacy_counts,
        subtitles=[SubtitleOut(lang=lang, url=f"/media/v/{c.id}/subtitles/{lang}.vtt") for lang in c.subtitle_langs],
    )


class ProfileOut(BaseModel):
    id: str
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    follower_count: int
    following_count: int
    home_region: str


def profile_out(user: User | OwnerCard) -> ProfileOut:
    return ProfileOut(id=user.id, handle=user.handle, display_name=user.display_name, bio=user.bio,
                      avatar_url=avatar_url(user), follower_count=user.follower_count,
                      following_count=user.following_count, home_region=user.home_region)
