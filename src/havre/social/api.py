"""JSON routes of likes, comments, shares and follows."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from havre.accounts import service as accounts
from havre.accounts.models import User
from havre.errors import N_, NotFound
from havre.social import service
from havre.videos.schemas import OwnerOut, owner_out
from havre.videos.service import access_video
from havre.web.deps import RequestContext, get_ctx, require_viewer

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


class ShareOut(BaseModel):
    share_count: int
    url: str


class FollowOut(BaseModel):
    following: bool
    follower_count: int


def _like(video_id: str, ctx: RequestContext, viewer: User, liked: bool) -> LikeOut:
    with ctx.db() as s:
        video = access_video(s, video_id, viewer)
        service.set_like(s, viewer, video, liked=liked)
        s.commit()
        return LikeOut(liked=liked, like_count=video.like_count)


@router.post("/videos/{video_id}/like", response_model=LikeOut)
def like(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> LikeOut:
    return _like(video_id, ctx, viewer, True)


@router.delete("/videos/{video_id}/like", response_model=LikeOut)
def unlike(video_id: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> LikeOut:
    return _like(video_id, ctx, viewer, False)


@router.get("/videos/{video_id}/comments", response_model=CommentList)
def list_comments(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> CommentList:
    with ctx.db() as s:
        video = access_video(s, video_id, ctx.viewer)
        return CommentList(items=[CommentOut(id=c.id, author=owner_out(u), body=c.body, created_at=c.created_at)
                                  for c, u in service.comments_for(s, video)])


@router.post("/videos/{video_id}/comments", response_model=CommentOut, status_code=201)
def post_comment(video_id: str, body: CommentIn, ctx: RequestContext = Depends(get_ctx),
                 viewer: User = Depends(require_viewer)) -> CommentOut:
    with ctx.db() as s:
        comment = service.add_comment(s, viewer, access_video(s, video_id, viewer), body.body)
        s.commit()
        return CommentOut(id=comment.id, author=owner_out(viewer), body=comment.body, created_at=comment.created_at)


@router.delete("/comments/{comment_id}", status_code=204)
def delete_comment(comment_id: str, ctx: RequestContext = Depends(get_ctx),
                   viewer: User = Depends(require_viewer)) -> Response:
    with ctx.db() as s:
        service.delete_comment(s, viewer, comment_id)
        s.commit()
    return Response(status_code=204)


@router.post("/videos/{video_id}/share", response_model=ShareOut)
def share(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> ShareOut:
    with ctx.db() as s:
        video = access_video(s, video_id, ctx.viewer)
        count = service.record_share(s, video)
        s.commit()
        return ShareOut(share_count=count, url=ctx.absolute_url(f"/v/{video.id}"))


def _follow(handle: str, ctx: RequestContext, viewer: User, following: bool) -> FollowOut:
    with ctx.db() as s:
        target = accounts.user_by_handle(s, handle)
        if target is None:
            raise NotFound(N_("There is no @%(handle)s here."), handle=handle)
        service.set_follow(s, viewer, target, following=following)
        s.commit()
        return FollowOut(following=following, follower_count=target.follower_count)


@router.post("/users/{handle}/follow", response_model=FollowOut)
def follow(handle: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> FollowOut:
    return _follow(handle, ctx, viewer, True)


@router.delete("/users/{handle}/follow", response_model=FollowOut)
def unfollow(handle: str, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> FollowOut:
    return _follow(handle, ctx, viewer, False)
