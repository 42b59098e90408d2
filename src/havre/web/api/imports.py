"""JSON routes of imports: start one from the page (an export .zip or links), follow its progress."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from havre.accounts.models import User
from havre.blobs import keys
from havre.db.base import new_id
from havre.errors import N_, InvalidInput
from havre.imports import service
from havre.imports.limits import MAX_EXPORT_BYTES
from havre.imports.plan import EXPORT, TOO_MANY, URL, URLS
from havre.web import i18n
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors
from havre.web.uploads import spool

router = APIRouter(prefix="/api/imports", tags=["imports"], responses=errors(member=True))


@router.post("", status_code=202, responses=errors(body=True))
def start(file: UploadFile | None = File(None), links: str = Form(""), drafts: bool = Form(False),
          ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> dict[str, Any]:
    has_file = file is not None and bool(file.filename)
    if has_file == bool(links.strip()):
        raise InvalidInput(N_("Choose your TikTok export (.zip) or paste links, one of the two."), field="file")
    with ctx.db() as s:
        if has_file:
            assert file is not None
            with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
                local = Path(tmp) / "export.zip"
                spool(file, MAX_EXPORT_BYTES, local)
                with open(local, "rb") as f:
                    if f.read(4) != b"PK\x03\x04":
                        raise InvalidInput(N_("%(name)s is not a zip archive. Upload the .zip file TikTok sent you."),
                                           field="file", name=file.filename or "file")
                run_id = new_id()
                key = keys.import_source(viewer.id, run_id)  # in the home region, like everything of theirs
                ctx.region.blobs.put_file(key, local)
                try:
                    run = service.plan_later(s, viewer, kind=EXPORT, source=file.filename or "export.zip",
                                             drafts=drafts, source_key=key, run_id=run_id)
                    s.commit()
                except BaseException:
                    ctx.region.blobs.delete(key)  # leave nothing half-written
                    raise
        else:
            if not URL.search(links):
                raise InvalidInput(N_("No links found. Paste TikTok video links or your profile link."),
                                   field="links")
            if len(URL.findall(links)) > ctx.settings.import_max_items:  # said now rather than by the job
                raise InvalidInput(TOO_MANY, field="links", limit=ctx.settings.import_max_items)
            run = service.plan_later(s, viewer, kind=URLS, source=links.strip()[:20_000], drafts=drafts)
            s.commit()
        return {"id": run.id, "url": f"/import/{run.id}"}


@router.get("/{run_id}", responses=errors(404))
def status(run_id: str, ctx: RequestContext = Depends(get_ctx),
           viewer: User = Depends(require_viewer)) -> dict[str, Any]:
    with ctx.db() as s:
        return service.report(s, service.access_run(s, run_id, viewer), gettext=i18n.translations(ctx.locale).gettext)
