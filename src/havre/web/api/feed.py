"""JSON routes of the feeds, of views and of the player's events."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from havre.feed import reasons, service
from havre.feed.service import Page
from havre.recs import events
from havre.regions.gateway import Gateway
from havre.videos.access import access_creator, access_video
from havre.web import i18n, rate_limits
from havre.web.api.shapes import VideoPage, serialize_cards
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["feed"])
Cursor = Query(None, max_length=200)
MAX_PAGE, MAX_PROFILE_PAGE = 50, 100  # videos a feed page (a profile's page) may ask for
Limit = Query(10, ge=1, le=MAX_PAGE)


class ViewIn(BaseModel):
    watch_ms: int
    completed: bool = False


def _page(ctx: RequestContext, gw: Gateway, page: Page) -> Response:
    """The page as JSON, serialised here, in the route's thread: returned as a model, it would be
    validated once more and in another thread hop (``response_model`` still documents it)."""
    items = serialize_cards(gw, page.videos, ctx.viewer_id)
    if page.reasons:  # For You: why each video is there, in the reader's language
        handles = ctx.regions.directory.handles_of(reasons.creators_named(page.reasons.values()))
        for item in items:
            template, params = reasons.explain(page.reasons.get(item.id, {}), handles)
            item.why = i18n.gettext(ctx.locale, template, **params)
    return Response(VideoPage(items=items, next_cursor=page.next_cursor).model_dump_json(),
                    media_type="application/json")


@router.get("/feed/foryou", response_model=VideoPage, responses=errors(400, crosses=True))
def for_you(cursor: str | None = Cursor, limit: int = Limit, ctx: RequestContext = Depends(get_ctx)) -> Response:
    assert ctx.recommender is not None
    with ctx.one_session() as gw:  # the viewer, the ranking, the cards and the marks: one session
        response = _page(ctx, gw, service.for_you(gw, ctx.viewer_id, ctx.recommender, cursor=cursor, limit=limit))
        ctx.commit()  # the session's list, as this page served it
        return response


@router.get("/feed/following", response_model=VideoPage, responses=errors(400, member=True, crosses=True))
def following(cursor: str | None = Cursor, limit: int = Limit, ctx: RequestContext = Depends(get_ctx)) -> Response:
    with ctx.one_session() as gw:
        viewer = require_viewer(ctx)  # here, not as a dependency: looked up on the page's one session
        return _page(ctx, gw, service.following(gw, viewer, cursor=cursor, limit=limit))


@router.get("/feed/tag/{tag}", response_model=VideoPage, responses=errors(400, 404, crosses=True))
def by_tag(tag: str, cursor: str | None = Cursor, limit: int = Limit,
           ctx: RequestContext = Depends(get_ctx)) -> Response:
    with ctx.one_session() as gw:
        return _page(ctx, gw, service.by_tag(gw, tag, cursor=cursor, limit=limit))


@router.get("/feed/sound/{sound:path}", response_model=VideoPage, responses=errors(400, 404, crosses=True))
def by_sound(sound: str, cursor: str | None = Cursor, limit: int = Limit,
             ctx: RequestContext = Depends(get_ctx)) -> Response:
    with ctx.one_session() as gw:
        return _page(ctx, gw, service.by_sound(gw, sound, cursor=cursor, limit=limit))


@router.get("/users/{handle}/videos", response_model=VideoPage, responses=errors(400, 404, crosses=True))
def by_user(handle: str, cursor: str | None = Cursor, limit: int = Query(30, ge=1, le=MAX_PROFILE_PAGE),
            ctx: RequestContext = Depends(get_ctx)) -> Response:
    with ctx.one_session() as gw:
        region, owner = access_creator(gw, handle)
        return _page(ctx, gw, service.by_owner(gw, region, owner, ctx.viewer, cursor=cursor, limit=limit))


@router.post("/videos/{video_id}/views", status_code=204, responses=errors(404, 429, body=True, crosses=True))
def record_view(video_id: str, body: ViewIn, ctx: RequestContext = Depends(get_ctx)) -> Response:
    """A view, with how long it was watched: bounded by the video's length and by the time since
    the viewer's previous view (feed.service.record_view)."""
    rate_limits.check(ctx, "view")
    region, video = access_video(ctx.gateway, video_id, ctx.viewer)
    with ctx.db() as s:
        service.record_view(s, ctx.region, ctx.viewer, region, video, watch_ms=body.watch_ms,
                            completed=body.completed, session_secret=ctx.csrf_token,
                            visitor_allowed=rate_limits.visitor_allowance(ctx, s))
        s.commit()
    return Response(status_code=204)


class EventIn(BaseModel):
    video_id: str = Field(max_length=16)
    kind: str = Field(max_length=16)


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=events.MAX_BATCH)


@router.post("/events", status_code=204, responses=errors(400, 404, 429, body=True, crosses=True))
def record_events(body: EventsIn, ctx: RequestContext = Depends(get_ctx)) -> Response:
    """The player's batch of what the viewer did (impressions, plays, skips, loops, "not
    interested"), each about a video the viewer may see. A visitor's are checked and dropped: they
    are kept only for members, in their home region."""
    batch = [events.Signal(video_id=e.video_id, kind=e.kind) for e in body.events]
    # One session and one commit: the viewer (read once: the limits take its id), the limits, the
    # checks at home and the batch.
    with ctx.one_session() as gw, gw.home_db() as s:
        viewer = ctx.viewer
        with rate_limits.counted(ctx, s, "events", units=max(1, len(batch))):
            service.record_events(gw, s, viewer, batch)
            s.commit()
    return Response(status_code=204)
