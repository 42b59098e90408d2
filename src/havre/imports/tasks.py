"""The import job: imports started from the web page run in the background, in the home region.

What cannot be read (an export or archive that is malformed, too large, a bomb) fails the run at
once with the reason, deletes the upload and fails the job without retrying (``PermanentJobError``):
reading the same file again gives the same answer. Anything else is retried; the last attempt
fails the run too, so no run stays "planned" or "running" with its upload kept for ever.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from havre.errors import N_
from havre.imports import RUN_JOB, service
from havre.imports.fetch import FetchError
from havre.imports.havre_archive import HAVRE, Archive, ArchiveError, plan_archive, verify
from havre.imports.models import ImportItem, ImportRun
from havre.imports.plan import Plan, capped, plan_export, plan_urls
from havre.imports.profile import follow_found
from havre.imports.tiktok_export import ExportError
from havre.jobs import PermanentJobError, handler
from havre.regions.work import JobContext

log = logging.getLogger(__name__)
UNREADABLE = (ExportError, FetchError, ArchiveError)


def _plan_if_needed(ctx: JobContext, run_id: str, source_key: str | None, archive: Archive | None) -> bool:
    """Read and plan the source on the first attempt; False when the run is gone."""
    with ctx.region.session() as s:
        run = s.get(ImportRun, run_id)
        if run is None:
            return False
        if s.scalar(select(func.count()).select_from(ImportItem).where(ImportItem.run_id == run_id)):
            if archive is None:
                _forget_source(ctx, source_key)  # planned by an attempt that stopped before letting it go
            return True
        if archive is not None:
            plan = plan_archive(archive, run.source, max_items=ctx.settings.import_max_items)
        elif source_key:
            with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
                local = Path(tmp) / "export.zip"
                ctx.region.blobs.download(source_key, local)
                plan = capped(_read_export(local, run.source), ctx.settings.import_max_items)
        else:
            plan = plan_urls(run.source, guard=service.member_guard(ctx.settings),
                             max_items=ctx.settings.import_max_items)
        plan.source = run.source
        service.add_plan(s, run, plan)
        s.commit()
    if archive is None:
        _forget_source(ctx, source_key)  # planned: the items hold all that is needed from now on
    return True


@contextmanager
def _archive(ctx: JobContext, source_key: str, name: str) -> Iterator[Archive]:
    """The uploaded Havre archive, downloaded and verified whole (once per attempt)."""
    with tempfile.TemporaryDirectory(prefix="havre-archive-") as tmp:
        local = Path(tmp) / "archive.zip"
        ctx.region.blobs.download(source_key, local)
        try:
            archive = verify(local, media=ctx.settings.media, label=name)
        except ArchiveError:
            raise
        except Exception as exc:  # reading a local file goes the same way on every attempt
            log.exception("could not read the archive %s", name)
            raise ArchiveError(N_("%(name)s could not be read (%(error)s). Make a new export from the instance it "
                                  "came from and import that."), name=name, error=type(exc).__name__) from exc
        try:
            yield archive
        finally:
            archive.close()


def _read_export(local: Path, name: str) -> Plan:
    """Plan the downloaded export. Reading a local file goes the same way on every attempt, so an
    unforeseen error in it fails the run (with the reason, the upload deleted) instead of retrying."""
    try:
        return plan_export(local, label=name)
    except ExportError:
        raise
    except Exception as exc:
        log.exception("could not read the export %s", name)
        raise ExportError(N_("%(name)s could not be read (%(error)s). Request a fresh export from TikTok "
                             "(Settings → Account → Download your data), JSON format."),
                          name=name, error=type(exc).__name__) from exc


def _forget_source(ctx: JobContext, source_key: str | None) -> None:
    """The uploaded export is the creator's data: it is not kept once read."""
    if source_key:
        ctx.region.blobs.delete(source_key)


@handler(RUN_JOB)
def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    run_id, source_key = payload["run_id"], payload.get("source_key")
    with ctx.region.session() as s:
        found = s.get(ImportRun, run_id)
        kind, name = (found.source_kind, found.source) if found is not None else (None, "")

    def progress(done: int, total: int) -> None:
        ctx.report_progress(done / max(total, 1))

    try:
        if kind == HAVRE and source_key:
            with _archive(ctx, source_key, name) as archive:
                if not _plan_if_needed(ctx, run_id, source_key, archive):
                    _forget_source(ctx, source_key)  # the run is gone
                    return
                service.run_import(ctx.region, ctx.regions.directory, ctx.settings, run_id, on_progress=progress,
                                   archive=archive)
            follow_found(ctx.gateway(), run_id)
            _forget_source(ctx, source_key)
            return
        if _plan_if_needed(ctx, run_id, source_key, None):
            service.run_import(ctx.region, ctx.regions.directory, ctx.settings, run_id, on_progress=progress)
    except UNREADABLE as exc:
        service.fail_run(ctx.region, run_id, exc.template, exc.params)
        _forget_source(ctx, source_key)
        raise PermanentJobError(exc.template % exc.params if exc.params else exc.template) from None
    except service.ImportBusy:
        raise  # another process is running it: that one ends it
    except Exception:
        if ctx.last_attempt:  # no attempt follows: the run ends here, and the upload with it
            service.fail_run(ctx.region, run_id, N_("This import stopped on an error several times and was given "
                                                    "up. Start it again; if it stops again, tell whoever runs "
                                                    "this Havre instance."), {})
            _forget_source(ctx, source_key)
        raise
