"""'Download my data': one archive a day, built by a job in the home region, kept 7 days.

The row (``accounts.models.DataExport``) carries the progress the Settings page shows; the zip is
written to a temporary file (flat memory, see ``portability.export``), then stored as
``exports/USER/ID.zip`` in the person's home region. An hourly job deletes expired archives.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from havre.accounts.models import DataExport, User
from havre.accounts.service import lock_member
from havre.blobs import keys
from havre.db.base import utcnow
from havre.errors import N_, HavreError, NotFound
from havre.jobs import book, enqueue, handler
from havre.portability.export import write_archive
from havre.regions import Region
from havre.regions.work import JobContext

KEEP = timedelta(days=7)
ONE_PER = timedelta(days=1)
STALE = timedelta(hours=1)  # an archive takes minutes: one still unbuilt after this will never be
SWEEP_EVERY_S = 3600.0
PROGRESS_EVERY_S = 0.5  # the page polls about once a second: no need to commit more often
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
COULD_NOT = N_("Your archive could not be built. Ask again in a few minutes.")
log = logging.getLogger(__name__)


class ExportTooSoon(HavreError):
    status_code = 429


def latest(s: Session, user_id: str) -> DataExport | None:
    return s.scalar(select(DataExport).where(DataExport.user_id == user_id)
                    .order_by(DataExport.created_at.desc(), DataExport.id.desc()).limit(1))


def _recent(s: Session, user_id: str) -> list[DataExport]:
    """Exports asked for in the last day that count against the one-a-day limit (failures do not)."""
    return list(s.scalars(select(DataExport).where(
        DataExport.user_id == user_id, DataExport.created_at > utcnow() - ONE_PER, DataExport.status != FAILED)
        .order_by(DataExport.created_at, DataExport.id)))


def request_export(region: Region, user: User) -> DataExport:
    """Start building an archive of ``user``'s data, or return the one already on its way.

    Requests of one member at once take turns on the member's lock, so the second sees the
    first's row and returns it: one archive is built whatever the race."""
    with region.session() as s:
        lock_member(s, user.id)
        recent = _recent(s, user.id)
        if recent and recent[0].status in (QUEUED, RUNNING):
            if recent[0].created_at > utcnow() - STALE:
                s.expunge(recent[0])
                return recent[0]
            # Its job is gone (a move carried the row but not the job, or a crash): a new one may start.
            recent[0].status, recent[0].error = FAILED, COULD_NOT
            s.flush()
            recent = _recent(s, user.id)
        if recent:
            raise ExportTooSoon(N_("You can download your data once a day; the archive you asked for is below, "
                                   "and you can ask again after %(when)s."),
                                when=(recent[0].created_at + ONE_PER).strftime("%Y-%m-%d %H:%M UTC"))
        export = DataExport(user_id=user.id, status=QUEUED)
        s.add(export)
        s.flush()
        enqueue(s, "exports.build", {"export_id": export.id}, priority=20)  # the row says whose
        s.commit()
        s.expunge(export)
        return export


def access_export(s: Session, viewer: User, export_id: str) -> DataExport:
    export = s.get(DataExport, export_id)
    if export is None or export.user_id != viewer.id:
        raise NotFound(N_("This archive does not exist or is not yours."))
    return export


def download_key(export: DataExport) -> str:
    if export.status != READY or export.expires_at is None or export.expires_at < utcnow():
        raise NotFound(N_("This archive is not ready or has expired; ask for a new one in Settings."))
    return keys.export_archive(export.user_id, export.id)


def _set(region: Region, export_id: str, **values: Any) -> None:
    with region.session() as s:
        s.execute(update(DataExport).where(DataExport.id == export_id).values(**values))
        s.commit()


@handler("exports.build")
def build(ctx: JobContext, payload: dict[str, Any]) -> None:
    export_id = payload["export_id"]
    with ctx.region.session() as s:
        export = s.get(DataExport, export_id)
        if export is None or export.status in (READY, FAILED):
            return  # withdrawn (a parallel request won), or built by an earlier attempt
        user_id = export.user_id
    _set(ctx.region, export_id, status=RUNNING, done=0)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_S or done == total:
            last = time.monotonic()
            _set(ctx.region, export_id, done=done, total=total)

    try:
        with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
            path = Path(tmp) / "archive.zip"
            with open(path, "wb") as sink:
                write_archive(ctx.regions, user_id, sink, instance=ctx.settings.base_url, on_progress=progress)
            ctx.region.blobs.put_file(keys.export_archive(user_id, export_id), path, content_type="application/zip")
            size = path.stat().st_size
    except Exception:
        if not ctx.last_attempt:
            raise  # the runner retries later; the row still says "running"
        log.exception("export %s failed", export_id)
        _set(ctx.region, export_id, status=FAILED, finished_at=utcnow(),
             error=COULD_NOT)
        return
    now = utcnow()
    _set(ctx.region, export_id, status=READY, size_bytes=size, finished_at=now, expires_at=now + KEEP)


def sweep(region: Region) -> int:
    """Delete archives past their 7 days (file first: a row without its file is harmless, the reverse is not)."""
    with region.session() as s:
        expired = list(s.execute(select(DataExport.id, DataExport.user_id).where(DataExport.expires_at < utcnow())))
    for export_id, user_id in expired:
        region.blobs.delete(keys.export_archive(user_id, export_id))
        with region.session() as s:
            s.execute(delete(DataExport).where(DataExport.id == export_id))
            s.commit()
    return len(expired)


@handler("exports.sweep")
def sweep_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    sweep(ctx.region)
    with ctx.region.session() as s:
        book(s, "exports.sweep", in_s=SWEEP_EVERY_S)
        s.commit()

