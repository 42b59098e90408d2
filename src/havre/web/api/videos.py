"""JSON routes of videos, and the media route that serves a video's derived files."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from havre.accounts.follows import followed_in
from havre.accounts.models import User
from havre.blobs import BlobStore, keys
from havre.errors import N_, NotFound
from havre.media.types import media_type
from havre.regions.gateway import note_subjects, public_file_reader
from havre.videos import service
from havre.videos.access import access_video
from havre.videos.cards import access_own_card, own_drafts, video_cards, visible_videos
from havre.web.api.shapes import VideoOut, serialize_cards
from havre.web.blob_response import PRIVATE_MEDIA, PUBLIC_MEDIA, blob_response
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors
from havre.web.uploads import spool

router = APIRouter(prefix="/api/videos", tags=["videos"])
media_router = APIRouter(tags=["media"])


class UploadOut(BaseModel):
    id: str
    status: str


class VideoPatch(BaseModel):
    caption: str | None = None
    visibility: str | None = None
    allow_comments: bool | None = None
    cover_s: float | None = None  # the poster's frame, in seconds of the video: made again by a job


class PublishIn(BaseModel):
    at: datetime | None = None  # ISO 8601 with a zone: schedule it then; left out: post it now


class DraftOut(VideoOut):
    publish_at: datetime | None  # when it posts itself; None: when its owner posts it


class DraftList(BaseModel):
    items: list[DraftOut]


@router.post("", response_model=UploadOut, status_code=201, responses=errors(429, body=True, member=True))
def upload_video(file: UploadFile = File(...), caption: str = Form(""), visibility: str = Form("public"),
                 allow_comments: bool = Form(True), draft: bool = Form(False),
                 publish_at: datetime | None = Form(None), trim_start_s: float | None = Form(None),
                 trim_end_s: float | None = Form(None), cover_s: float | None = Form(None),
                 ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> UploadOut:
    """Post a video now, keep it as a draft (``draft``) or schedule it (``publish_at``); keep part
    of it (``trim_start_s``..``trim_end_s``, seconds of the file) and choose the poster's frame
    (``cover_s``, seconds of the kept part)."""
    posting = service.Posting(draft=draft, publish_at=publish_at, trim_start_s=trim_start_s,
                              trim_end_s=trim_end_s, cover_s=cover_s)
    with tempfile.TemporaryDirectory(prefix="havre-upload-") as tmp:
        path = Path(tmp) / "upload"
        spool(file, ctx.settings.media.max_upload_bytes, path)
        video = service.upload(ctx.region, ctx.regions.directory, viewer, path, limits=ctx.settings.media,
                               caption=caption, visibility=visibility, original_name=file.filename or "",
                               allow_comments=allow_comments, posting=posting)
        return UploadOut(id=video.id, status=video.status)


@router.post("/{video_id}/publish", response_model=VideoOut, responses=errors(404, body=True, member=True))
def publish_video(video_id: str, body: PublishIn | None = None, ctx: RequestContext = Depends(get_ctx),
                  viewer: User = Depends(require_viewer)) -> VideoOut:
    """Post one of your drafts now, or schedule it (``at``)."""
    with ctx.db() as s:
        video = service.publish(s, service.access_own_video(s, video_id, viewer), at=body.at if body else None)
        s.commit()
        card = video_cards(s, [video], with_error=True)[0]
    return serialize_cards(ctx.gateway, [card], viewer.id)[0]


@media_router.get("/api/me/drafts", response_model=DraftList, tags=["videos"], responses=errors(member=True))
def my_drafts(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> DraftList:
    """Your drafts, scheduled ones with their time; no one else sees them."""
    with ctx.db() as s:
        cards = own_drafts(s, viewer.id)
    outs = serialize_cards(ctx.gateway, cards, viewer.id)
    return DraftList(items=[DraftOut(**out.model_dump(), publish_at=card.publish_at)
                            for out, card in zip(outs, cards, strict=True)])


@router.get("/{video_id}", response_model=VideoOut, responses=errors(404, crosses=True))
def get_video(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> VideoOut:
    _, card = access_video(ctx.gateway, video_id, ctx.viewer)
    return serialize_cards(ctx.gateway, [card], ctx.viewer_id)[0]


@router.patch("/{video_id}", response_model=VideoOut, responses=errors(404, body=True, member=True))
def patch_video(video_id: str, body: VideoPatch, ctx: RequestContext = Depends(get_ctx),
                viewer: User = Depends(require_viewer)) -> VideoOut:
    with ctx.db() as s:
        video = service.access_own_video(s, video_id, viewer)
        service.update_video(s, video, caption=body.caption, visibility=body.visibility,
                             allow_comments=body.allow_comments, cover_s=body.cover_s)
        s.commit()
        card = video_cards(s, [video], with_error=True)[0]
    return serialize_cards(ctx.gateway, [card], viewer.id)[0]


@router.delete("/{video_id}", status_code=204, responses=errors(404, unsafe=True, member=True))
def delete_video(video_id: str, ctx: RequestContext = Depends(get_ctx),
                 viewer: User = Depends(require_viewer)) -> Response:
    with ctx.db() as s:
        service.delete_video(s, service.access_own_video(s, video_id, viewer))
        s.commit()
    return Response(status_code=204)


@public_file_reader
def video_file(s: Session, blobs: BlobStore, video_id: str, path: str, *, owner_id: str | None = None,
               followed_owner_ids: tuple[str, ...] = ()) -> Response:
    """Serve a derived file of a video (never the original) to whoever may see the video."""
    card = access_own_card(s, owner_id, video_id) if owner_id else None
    if card is None:
        found = visible_videos(s, [video_id], followed_owner_ids=followed_owner_ids)
        card = found[0] if found else None
    content_type = media_type(path)
    if card is None or content_type is None:
        raise NotFound(N_("No such media file."))
    note_subjects([card.owner.id])
    # Public files may be cached anywhere, briefly: a video made private must stop being served
    # from shared caches within minutes. Followers-only/private ones never enter shared caches.
    cache = PUBLIC_MEDIA if card.visibility == "public" else PRIVATE_MEDIA
    # Playlists stay on this origin so their relative URIs come back here for the access check.
    return blob_response(blobs, keys.video_file(video_id, path), media_type=content_type,
                         cache_control=cache, redirect=not path.endswith(".m3u8"))


@media_router.get("/media/v/{video_id}/{path:path}", include_in_schema=False)
def video_media(video_id: str, path: str, ctx: RequestContext = Depends(get_ctx)) -> Response:
    # One audit entry per video per browsing session covers all its files (each HLS segment).
    gw = ctx.gateway.once_per(f"media:{ctx.browsing_session}:{video_id}")
    region = ctx.regions.home_of_video(video_id)
    if region is None:
        raise NotFound(N_("No such media file."))
    # Only at home may the owner's id be used (to serve their own private or processing video).
    owner_id = ctx.viewer.id if ctx.viewer is not None and region.name == gw.home.name else None
    try:  # public first: the viewer's follows are looked up only for a followers-only video
        return gw.serve_file(region, video_file, video_id, path, owner_id=owner_id)
    except NotFound:
        if ctx.viewer is None or owner_id is not None:
            raise
    return gw.serve_file(region, video_file, video_id, path, followed_owner_ids=followed_in(gw, ctx.viewer, region))
