"""The import job (imports started from the web page run in the background, in the home region)."""

from __future__ import annotations

from typing import Any

from havre.imports.service import run_import
from havre.jobs import JobContext, handler


@handler("imports.run")
def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    total_seen = {"total": 1}

    def progress(done: int, total: int) -> None:
        total_seen["total"] = max(total, 1)
        ctx.report_progress(done / total_seen["total"])

    run_import(ctx.region, ctx.regions.directory, ctx.settings, payload["run_id"], on_progress=progress)
    if payload.get("source_key"):  # the uploaded export is the creator's data: not kept once imported
        ctx.region.blobs.delete(payload["source_key"])
