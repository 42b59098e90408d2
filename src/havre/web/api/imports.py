"""JSON routes of imports: start one from the page (an export .zip or links), follow its progress."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from havre.accounts.models import User
from havre.errors import N_, InvalidInput
from havre.imports import report, service
from havre.imports.limits import MAX_EXPORT_BYTES
from havre.web import i18n
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors
from havre.web.uploads import spool

router = APIRouter(prefix="/api/imports", tags=["imports"], responses=errors(member=True))


@router.post("", status_code=202, responses=errors(429, body=True))
def start(file: UploadFile | None = File(None), links: str = Form(""), drafts: bool = Form(False),
          ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> dict[str, Any]:
    has_file = file is not None and bool(file.filename)
    if has_file == bool(links.strip()):
        raise InvalidInput(N_("Choose your TikTok export (.zip) or paste links, one of the two."), field="file")
    if file is not None and has_file:
        with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
            local = Path(tmp) / "export.zip"
            spool(file, MAX_EXPORT_BYTES, local)
            run = service.start_from_export(ctx.region, viewer, local, filename=file.filename or "", drafts=drafts)
    else:
        run = service.start_from_links(ctx.region, viewer, links, drafts=drafts,
                                       max_items=ctx.settings.import_max_items)
    return {"id": run.id, "url": f"/import/{run.id}"}


@router.get("/{run_id}", responses=errors(404))
def status(run_id: str, ctx: RequestContext = Depends(get_ctx),
           viewer: User = Depends(require_viewer)) -> dict[str, Any]:
    tr = i18n.translations(ctx.locale)
    with ctx.db() as s:
        return report.report(s, report.access_run(s, run_id, viewer), gettext=tr.gettext, ngettext=tr.ngettext)
