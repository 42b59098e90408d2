"""The JSON shape of a video, built in batches so a feed page costs a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.social import service as social
from havre.videos.models import Video, VideoHashtag


class OwnerOut(BaseModel):
    handle: str
    display_name: str
    avatar_url: str | None
    follower_count: int


class VideoOut(BaseModel):
    id: str
    url: str
    owner: OwnerOut
    caption: str
    hashtags: list[str]
    visibility: str
    status: str
    error: str | None
    posted_at: datetime
    duration_s: float
    width: int
    height: int
    poster_url: str | None
    mp4_url: str | None
    hls_url: str | None
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    liked_by_me: bool
    following_owner: bool
    is_mine: bool


class VideoPage(BaseModel):
    items: list[VideoOut]
    next_cursor: str | None


def media_url(video_id: str, key: str | None) -> str | None:
    """Public URL of a derived file; keys outside the video's folder (the original) have none."""
    prefix = f"videos/{video_id}/"
    if not key or not key.startswith(prefix):
        return None
    return f"/media/v/{video_id}/{key.removeprefix(prefix)}"


def avatar_url(user: User) -> str | None:
    return f"/media/avatar/{user.id}" if user.avatar_key else None


def owner_out(user: User) -> OwnerOut:
    return OwnerOut(handle=user.handle, display_name=user.display_name,
                    avatar_url=avatar_url(user), follower_count=user.follower_count)


def serialize_videos(s: Session, videos: list[Video], viewer: User | None) -> list[VideoOut]:
    ids = [v.id for v in videos]
    owner_ids = list({v.owner_id for v in videos})
    owners = {u.id: u for u in s.scalars(select(User).where(User.id.in_(owner_ids)))} if owner_ids else {}
    liked = social.likes(s, viewer, ids)
    followed = social.following_ids(s, viewer, owner_ids)
    tags: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for video_id, tag in s.execute(select(VideoHashtag.video_id, VideoHashtag.tag)
                                       .where(VideoHashtag.video_id.in_(ids))):
            tags[video_id].append(tag)
    return [
        VideoOut(
            id=v.id, url=f"/v/{v.id}", owner=owner_out(owners[v.owner_id]), caption=v.caption,
            hashtags=sorted(tags[v.id]), visibility=v.visibility, status=v.status,
            error=v.error if viewer is not None and viewer.id == v.owner_id else None,
            posted_at=v.posted_at, duration_s=v.duration_s, width=v.width, height=v.height,
            poster_url=media_url(v.id, v.poster_key), mp4_url=media_url(v.id, v.mp4_key),
            hls_url=media_url(v.id, v.hls_key), like_count=v.like_count, comment_count=v.comment_count,
            share_count=v.share_count, view_count=v.view_count, liked_by_me=v.id in liked,
            following_owner=v.owner_id in followed, is_mine=viewer is not None and viewer.id == v.owner_id,
        )
        for v in videos
    ]
