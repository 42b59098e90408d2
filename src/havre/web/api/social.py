"""JSON routes of likes, comments, shares and follows."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from havre.accounts.models import User
from havre.social import profile, service
from havre.videos.access import access_creator, access_video
from havre.web import rate_limits
from havre.web.api.shapes import OwnerOut, owner_out
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["social"])


class LikeOut(BaseModel):
    liked: bool
    like_count: int


class CommentIn(BaseModel):
    body: str


class CommentOut(BaseModel):
    id: str
    author: OwnerOut
    body: str
    created_at: datetime


class CommentList(BaseModel):
    items: list[CommentOut]
    allow_comments: bool = True  # off: none are shown and none can be posted, the owner's included


class ShareOut(BaseModel):
    share_count: int
    url: str


class SaveOut(BaseModel):
    saved: bool


class FollowOut(BaseModel):
    following: bool
    follower_count: int


def _like(video_id: str, ctx: RequestContext, viewer: User, liked: bool) -> LikeOut:
    rate_limits.check(ctx, "like")
    region, video = access_video(ctx.gateway, video_id, viewer)
    with ctx.db() as s:
        count = service.set_like(s, ctx.region, viewer, region, video, liked=liked)
        s.commit()
    return LikeOut(liked=liked, like_count=count)


@router.post("/videos/{video_id}/like", response_model=LikeOut,
             responses=errors(404, 429, unsafe=True, member=True, crosses=True))
def like(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> LikeOut:
    return _like(video_id, ctx, viewer, True)


@router.delete("/videos/{video_id}/like", response_model=LikeOut,
               responses=errors(404, 429, unsafe=True, member=True, crosses=True))
def unlike(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> LikeOut:
    return _like(video_id, ctx, viewer, False)


@router.get("/videos/{video_id}/comments", response_model=CommentList, responses=errors(404, crosses=True))
def list_comments(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> CommentList:
    _, video = access_video(ctx.gateway, video_id, ctx.viewer)
    cards = service.comments_shown(ctx.gateway, video)
    return CommentList(items=[CommentOut(id=c.id, author=owner_out(c.author), body=c.body, created_at=c.created_at)
                              for c in cards], allow_comments=video.allow_comments)


@router.post("/videos/{video_id}/comments", response_model=CommentOut, status_code=201,
             responses=errors(403, 404, 429, body=True, member=True, crosses=True))
def post_comment(video_id: str, body: CommentIn, ctx: RequestContext = Depends(get_ctx),
                 viewer: User = Depends(require_viewer)) -> CommentOut:
    rate_limits.check(ctx, "comment")
    region, video = access_video(ctx.gateway, video_id, viewer)
    with ctx.db() as s:
        comment = service.add_comment(s, ctx.region, viewer, region, video, body.body)
        s.commit()
        return CommentOut(id=comment.id, author=owner_out(viewer), body=comment.body, created_at=comment.created_at)


@router.delete("/comments/{comment_id}", status_code=204,
               responses=errors(404, 429, unsafe=True, member=True, crosses=True))
def delete_comment(comment_id: str, ctx: RequestContext = Depends(get_ctx),
                   viewer: User = Depends(require_viewer)) -> Response:
    with ctx.db() as s:
        service.delete_comment(s, ctx.gateway, viewer, comment_id)
        s.commit()
    return Response(status_code=204)


@router.post("/videos/{video_id}/share", response_model=ShareOut, responses=errors(404, 429, unsafe=True, crosses=True))
def share(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> ShareOut:
    rate_limits.check(ctx, "share")
    region, video = access_video(ctx.gateway, video_id, ctx.viewer)
    with ctx.db() as s:
        count = service.record_share(s, ctx.region, ctx.viewer, region, video, session_secret=ctx.csrf_token,
                                     visitor_allowed=rate_limits.visitor_allowance(ctx, s))
        s.commit()
    return ShareOut(share_count=count, url=ctx.absolute_url(f"/v/{video.id}"))


def _save(video_id: str, ctx: RequestContext, viewer: User, saved: bool) -> SaveOut:
    rate_limits.check(ctx, "save")
    access_video(ctx.gateway, video_id, viewer)  # it exists and the viewer may see it
    with ctx.db() as s:
        profile.set_save(s, viewer.id, video_id, saved=saved)
        s.commit()
    return SaveOut(saved=saved)


@router.post("/videos/{video_id}/save", response_model=SaveOut,
             responses=errors(404, 429, unsafe=True, member=True, crosses=True))
def save(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> SaveOut:
    """Save a video to your private collection (Saved, on your profile); saving it again changes nothing."""
    return _save(video_id, ctx, viewer, True)


@router.delete("/videos/{video_id}/save", response_model=SaveOut,
               responses=errors(404, 429, unsafe=True, member=True, crosses=True))
def unsave(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> SaveOut:
    return _save(video_id, ctx, viewer, False)


def _follow(handle: str, ctx: RequestContext, viewer: User, following: bool) -> FollowOut:
    rate_limits.check(ctx, "follow")
    region, creator = access_creator(ctx.gateway, handle)
    with ctx.db() as s:
        count = service.set_follow(s, ctx.region, viewer, region, creator, following=following)
        s.commit()
    return FollowOut(following=following, follower_count=count)


@router.post("/users/{handle}/follow", response_model=FollowOut,
             responses=errors(400, 404, 429, unsafe=True, member=True, crosses=True))
def follow(handle: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> FollowOut:
    return _follow(handle, ctx, viewer, True)


@router.delete("/users/{handle}/follow", response_model=FollowOut,
               responses=errors(400, 404, 429, unsafe=True, member=True, crosses=True))
def unfollow(handle: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> FollowOut:
    return _follow(handle, ctx, viewer, False)
