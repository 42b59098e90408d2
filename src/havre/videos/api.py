"""JSON routes of videos, and the media route that serves a video's derived files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import BaseModel

from havre.accounts.models import User
from havre.errors import N_, NotFound, TooLarge
from havre.media.types import media_type
from havre.videos import service
from havre.videos.schemas import VideoOut, serialize_videos
from havre.web.blob_response import blob_response
from havre.web.deps import RequestContext, get_ctx, require_viewer

router = APIRouter(prefix="/api/videos", tags=["videos"])
media_router = APIRouter(tags=["media"])


class UploadOut(BaseModel):
    id: str
    status: str


class VideoPatch(BaseModel):
    caption: str | None = None
    visibility: str | None = None


def _spool(upload: UploadFile, limit: int, dst: Path) -> None:
    """Copy the upload to disk, refusing as soon as it passes the size limit."""
    written = 0
    with open(dst, "wb") as out:
        while block := upload.file.read(1 << 20):
            written += len(block)
            if written > limit:
                raise TooLarge(N_("The file is larger than the %(limit)s MiB limit."), field="file", limit=limit // 2**20)
            out.write(block)


@router.post("", response_model=UploadOut, status_code=201)
def upload_video(file: UploadFile = File(...), caption: str = Form(""), visibility: str = Form("public"),
                 ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> UploadOut:
    with tempfile.TemporaryDirectory(prefix="havre-upload-") as tmp:
        path = Path(tmp) / "upload"
        _spool(file, ctx.settings.media.max_upload_bytes, path)
        with ctx.db() as s:
            video = service.create_upload(ctx.region, s, viewer, path, limits=ctx.settings.media,
                                          caption=caption, visibility=visibility,
                                          original_name=file.filename or "")
            try:
                s.commit()
            except BaseException:
                ctx.region.blobs.delete(video.original_key)  # leave nothing half-written
                raise
            return UploadOut(id=video.id, status=video.status)


@router.get("/{video_id}", response_model=VideoOut)
def get_video(video_id: str, ctx: RequestContext = Depends(get_ctx)) -> VideoOut:
    with ctx.db() as s:
        video = service.access_video(s, video_id, ctx.viewer)
        return serialize_videos(s, [video], ctx.viewer)[0]


@router.patch("/{video_id}", response_model=VideoOut)
def patch_video(video_id: str, body: VideoPatch, ctx: RequestContext = Depends(get_ctx),
                viewer: User = Depends(require_viewer)) -> VideoOut:
    with ctx.db() as s:
        video = service.access_own_video(s, video_id, viewer)
        service.update_video(s, video, caption=body.caption, visibility=body.visibility)
        s.commit()
        return serialize_videos(s, [video], viewer)[0]


@router.delete("/{video_id}", status_code=204)
def delete_video(video_id: str, ctx: RequestContext = Depends(get_ctx),
                 viewer: User = Depends(require_viewer)) -> Response:
    with ctx.db() as s:
        service.delete_video(s, service.access_own_video(s, video_id, viewer))
        s.commit()
    return Response(status_code=204)


@media_router.get("/media/v/{video_id}/{path:path}", include_in_schema=False)
def video_media(video_id: str, path: str, ctx: RequestContext = Depends(get_ctx)) -> Response:
    """Derived files only (never the original), with the same visibility rule as the video page."""
    with ctx.db() as s:
        video = service.access_video(s, video_id, ctx.viewer)
    key = service.media_prefix(video.id) + path
    content_type = media_type(path)
    if content_type is None:
        raise NotFound(N_("No such media file."))
    # Public files may be cached by the browser; followers-only/private ones must not be shared caches.
    cache = "public, max-age=3600" if video.visibility == "public" else "private, max-age=600"
    # Playlists stay on this origin so their relative URIs come back here for the access check.
    return blob_response(ctx.region.blobs, key, media_type=content_type, cache_control=cache,
                         redirect=not path.endswith(".m3u8"))
