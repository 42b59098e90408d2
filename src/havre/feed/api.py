"""JSON routes of the feeds and of watch events."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from havre.accounts import service as accounts
from havre.accounts.models import User
from havre.errors import N_, NotFound
from havre.feed import service
from havre.feed.service import Page
from havre.videos.schemas import VideoPage, serialize_videos
from havre.videos.service import access_video
from havre.web.deps import RequestContext, get_ctx, require_viewer

router = APIRouter(prefix="/api", tags=["feed"])
Cursor = Query(None, max_length=200)
Limit = Query(10, ge=1, le=50)


class ViewIn(BaseModel):
    watch_ms: int
    completed: bool = False


def _page(ctx: RequestContext, s, page: Page) -> VideoPage:  # type: ignore[no-untyped-def]
    return VideoPage(items=serialize_videos(s, page.videos, ctx.viewer), next_cursor=page.next_cursor)


@router.get("/feed/foryou", response_model=VideoPage)
def for_you(cursor: str | None = Cursor, limit: int = Limit, ctx: RequestContext = Depends(get_ctx)) -> VideoPage:
    with ctx.db() as s:
        return _page(ctx, s, service.for_you(s, ctx.viewer, cursor=cursor, limit=limit))


@router.get("/feed/following", response_model=VideoPage)
def following(cursor: str | None = Cursor, limit: int = Limit, ctx: RequestContext = Depends(get_ctx),
              viewer: User = Depends(require_viewer)) -> VideoPage:
    with ctx.db() as s:
        return _page(ctx, s, service.following(s, viewer, cursor=cursor, limit=limit))


@router.get("/feed/tag/{tag}", response_model=VideoPage)
def by_tag(tag: str, cursor: str | None = Cursor, limit: int = Limit,
           ctx: RequestContext = Depends(get_ctx)) -> VideoPage:
    with ctx.db() as s:
        return _page(ctx, s, service.by_tag(s, tag, cursor=cursor, limit=limit))


@router.get("/users/{handle}/videos", response_model=VideoPage)
def by_user(handle: str, cursor: str | None = Cursor, limit: int = Query(30, ge=1, le=100),
            ctx: RequestContext = Depends(get_ctx)) -> VideoPage:
    with ctx.db() as s:
        owner = accounts.user_by_handle(s, handle)
        if owner is None:
            raise NotFound(N_("There is no @%(handle)s here."), handle=handle)
        return _page(ctx, s, service.by_owner(s, owner, ctx.viewer, cursor=cursor, limit=limit))


@router.post("/videos/{video_id}/views", status_code=204)
def record_view(video_id: str, body: ViewIn, ctx: RequestContext = Depends(get_ctx)) -> Response:
    with ctx.db() as s:
        service.record_view(s, ctx.viewer, access_video(s, video_id, ctx.viewer),
                            watch_ms=body.watch_ms, completed=body.completed)
        s.commit()
    return Response(status_code=204)
