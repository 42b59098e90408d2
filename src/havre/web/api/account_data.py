"""JSON routes of a member's own data: download it, move it to another region, delete the account."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.portability import deletion, export_requests, move_requests
from havre.portability.models import DataExport
from havre.web import i18n
from havre.web.blob_response import blob_response
from havre.web.client_address import client_address
from havre.web.deps import RequestContext, clear_session_cookie, get_ctx, require_viewer
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["my data"])


class ExportOut(BaseModel):
    id: str
    status: str  # queued | running | ready | failed
    done: int
    total: int
    size_bytes: int
    created_at: datetime
    expires_at: datetime | None
    download_url: str | None
    error: str | None


class MoveIn(BaseModel):
    region: str
    password: str


class MoveStarted(BaseModel):
    status_url: str


class MoveStatusOut(BaseModel):
    state: str  # waiting | moving | done | failed
    target: str
    progress: float
    error: str | None


def _export_out(export: DataExport, ctx: RequestContext) -> ExportOut:
    ready = export.status == export_requests.READY and export.expires_at is not None and export.expires_at > utcnow()
    status = export.status if export.status != export_requests.READY or ready else "expired"
    return ExportOut(id=export.id, status=status,
                     done=export.done, total=export.total, size_bytes=export.size_bytes, created_at=export.created_at,
                     expires_at=export.expires_at,
                     error=i18n.translations(ctx.locale).gettext(export.error) if export.error else None,
                     download_url=f"/api/me/exports/{export.id}/archive.zip" if ready else None)


@router.post("/me/exports", response_model=ExportOut, status_code=202, responses=errors(429, unsafe=True, member=True))
def ask_for_export(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> ExportOut:
    """Start building an archive of everything you have here (one a day); follow it with GET."""
    return _export_out(export_requests.request_export(ctx.region, viewer), ctx)


@router.get("/me/exports/latest", response_model=ExportOut | None, responses=errors(member=True))
def latest_export(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> ExportOut | None:
    with ctx.db() as s:
        export = export_requests.latest(s, viewer.id)
        return _export_out(export, ctx) if export is not None else None


@router.get("/me/exports/{export_id}/archive.zip", responses=errors(404, member=True), response_class=Response)
def download_export(export_id: str, ctx: RequestContext = Depends(get_ctx),
                    viewer: User = Depends(require_viewer)) -> Response:
    with ctx.db() as s:
        key = export_requests.download_key(export_requests.access_export(s, viewer, export_id))
    # Streamed through here (no presigned redirect): the name below must reach the browser.
    response = blob_response(ctx.region.blobs, key, media_type="application/zip", cache_control="private, no-store",
                             redirect=False)
    response.headers["Content-Disposition"] = f'attachment; filename="havre-{viewer.handle}-{export_id}.zip"'
    return response


@router.post("/me/move", response_model=MoveStarted, status_code=202,
             responses=errors(400, 404, 409, 429, body=True, member=True))
def move_my_data(body: MoveIn, request: Request, ctx: RequestContext = Depends(get_ctx),
                 viewer: User = Depends(require_viewer)) -> MoveStarted:
    """Move your data to another region, confirmed with your password. You are logged out until it is
    done (minutes); the status URL tells how far it is."""
    token = move_requests.request_move(ctx.regions, viewer, target=body.region, password=body.password,
                                       client=client_address(request))
    return MoveStarted(status_url=f"/api/moves/{token}")


@router.get("/moves/{token}", response_model=MoveStatusOut, responses=errors(404))
def move_status(token: str, ctx: RequestContext = Depends(get_ctx)) -> MoveStatusOut:
    """A self-service move's progress, by the token its start returned (no login: the move logs out)."""
    status = move_requests.move_status(ctx.gateway, token)
    return MoveStatusOut(state=status.state, target=status.target, progress=status.progress,
                         error=i18n.translations(ctx.locale).gettext(status.error) if status.error else None)


class DeletionIn(BaseModel):
    password: str


class DeletionOut(BaseModel):
    delete_after: datetime  # logging in before then cancels it


@router.post("/me/deletion", response_model=DeletionOut, status_code=202,
             responses=errors(404, 409, 429, body=True, member=True))
def delete_my_account(body: DeletionIn, request: Request, response: Response, ctx: RequestContext = Depends(get_ctx),
                      viewer: User = Depends(require_viewer)) -> DeletionOut:
    """Delete your account after the grace period (HAVRE_DELETION_GRACE_DAYS, 14 by default), confirmed
    with your password. You are logged out; logging in before then cancels it."""
    when = deletion.request_deletion(ctx.regions, viewer.id, body.password,
                                     grace=timedelta(days=ctx.settings.deletion_grace_days),
                                     client=client_address(request))
    clear_session_cookie(response, ctx.settings)
    return DeletionOut(delete_after=when)
