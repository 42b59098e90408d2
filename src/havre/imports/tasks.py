"""The import job: imports started from the web page run in the background, in the home region."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from havre.imports import service
from havre.imports.fetch import FetchError
from havre.imports.models import ImportItem, ImportRun
from havre.imports.plan import plan_export, plan_urls
from havre.imports.tiktok_export import ExportError
from havre.jobs import JobContext, handler


def _plan_if_needed(ctx: JobContext, run_id: str, source_key: str | None) -> bool:
    """Read and plan the source on the first attempt; False when it cannot be read (run failed)."""
    with ctx.region.session() as s:
        run = s.get(ImportRun, run_id)
        if run is None:
            return False
        if s.scalar(select(func.count()).select_from(ImportItem).where(ImportItem.run_id == run_id)):
            _forget_source(ctx, source_key)  # planned by an attempt that stopped before letting it go
            return True
        try:
            if source_key:
                with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
                    local = Path(tmp) / "export.zip"
                    ctx.region.blobs.download(source_key, local)
                    plan = plan_export(local)
            else:
                plan = plan_urls(run.source)
        except (ExportError, FetchError) as exc:
            service.fail_run(ctx.region, run_id, exc.template, exc.params)
            _forget_source(ctx, source_key)
            return False
        plan.source = run.source
        service.add_plan(s, run, plan)
        s.commit()
    _forget_source(ctx, source_key)  # planned: the items hold all that is needed from now on
    return True


def _forget_source(ctx: JobContext, source_key: str | None) -> None:
    """The uploaded export is the creator's data: it is not kept once read."""
    if source_key:
        ctx.region.blobs.delete(source_key)


@handler("imports.run")
def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    if _plan_if_needed(ctx, payload["run_id"], payload.get("source_key")):
        service.run_import(ctx.region, ctx.regions.directory, ctx.settings, payload["run_id"],
                           on_progress=lambda done, total: ctx.report_progress(done / max(total, 1)))
