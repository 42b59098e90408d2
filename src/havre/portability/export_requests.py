"""'Download my data': one archive a day, built by a job in the home region, kept 7 days.

The row (``portability.models.DataExport``) carries the progress the Settings page shows; the zip is
written to a temporary file (flat memory, see ``portability.archive_writer``), then stored as
``exports/USER/ID.zip`` in the person's home region. An hourly job deletes expired archives.

An archive holds other people's data too (comments on the owner's videos, followers). When one of
them is deleted, ``portability.deletion_copies`` sends every build in progress back to the queue
and rebuilds the ready archives that name them: a build only becomes ready through a conditional
update from "running", so one sent back meanwhile drops what it wrote and builds again.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.accounts.service import lock_member
from havre.blobs import keys
from havre.db.base import utcnow
from havre.errors import N_, HavreError, NotFound
from havre.jobs import book, enqueue, handler
from havre.portability import BUILD_EXPORT_JOB, SWEEP_EXPORTS_JOB
from havre.portability.archive_writer import write_archive
from havre.portability.models import DataExport
from havre.regions import Region
from havre.regions.work import JobContext

KEEP = timedelta(days=7)
ONE_PER = timedelta(days=1)
STALE = timedelta(hours=1)  # an archive takes minutes: one still unbuilt after this will never be
SWEEP_EVERY_S = 3600.0
PROGRESS_EVERY_S = 0.5  # the page polls about once a second: no need to commit more often
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
REBUILDS = 3  # sent back this many times in one run (deletions at that very moment): the runner retries later
COULD_NOT = N_("Your archive could not be built. Ask again in a few minutes.")
log = logging.getLogger(__name__)


class ExportTooSoon(HavreError):
    """The archive of the day was asked for already: ``retry_at`` says when the next may be."""

    status_code = 429

    def __init__(self, retry_at: datetime) -> None:
        # The text is for API clients; Settings writes ``retry_at`` in the reader's own time zone.
        super().__init__(N_("You can download your data once a day; the archive you asked for is below, "
                            "and you can ask again after %(when)s."), when=retry_at.strftime("%Y-%m-%d %H:%M UTC"))
        self.retry_at = retry_at
        self.retry_after_s = max(1, math.ceil((retry_at - utcnow()).total_seconds()))


class ExportSentBack(RuntimeError):
    """Deletions kept sending the archive back while it was built: the runner tries again later."""


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
            raise ExportTooSoon(recent[0].created_at + ONE_PER)
        export = DataExport(user_id=user.id, status=QUEUED)
        s.add(export)
        s.flush()
        enqueue(s, BUILD_EXPORT_JOB, {"export_id": export.id}, priority=20)  # the row says whose
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


def _start(region: Region, export_id: str) -> str | None:
    """Mark the archive as being built; returns whose it is, or None when there is nothing to build
    (withdrawn by a parallel request, or built by an earlier attempt)."""
    with region.session() as s:
        export = s.get(DataExport, export_id)
        if export is None or export.status in (READY, FAILED):
            return None
        s.execute(update(DataExport).where(DataExport.id == export_id, DataExport.status.in_((QUEUED, RUNNING)))
                  .values(status=RUNNING, done=0))
        s.commit()
        return export.user_id


def _finish(region: Region, export_id: str, size: int) -> bool:
    """Ready, if nobody sent it back since it started (a deletion of someone it names): False then."""
    now = utcnow()
    with region.session() as s:
        done = s.execute(update(DataExport).where(DataExport.id == export_id, DataExport.status == RUNNING)
                         .values(status=READY, size_bytes=size, finished_at=now, expires_at=now + KEEP))
        s.commit()
        return bool(cast("CursorResult[Any]", done).rowcount)


@handler(BUILD_EXPORT_JOB)
def build(ctx: JobContext, payload: dict[str, Any]) -> None:
    export_id = payload["export_id"]
    for _ in range(REBUILDS):
        user_id = _start(ctx.region, export_id)
        if user_id is None:
            return
        if _build_once(ctx, export_id, user_id):
            return
    raise ExportSentBack(export_id)


def _build_once(ctx: JobContext, export_id: str, user_id: str) -> bool:
    """Build and store the archive; True when it is ready, False when it was sent back meanwhile
    (its file is deleted: it may name someone deleted since it was read)."""
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_S or done == total:
            last = time.monotonic()
            _set(ctx.region, export_id, done=done, total=total)

    key = keys.export_archive(user_id, export_id)
    try:
        with tempfile.TemporaryDirectory(prefix="havre-export-") as tmp:
            path = Path(tmp) / "archive.zip"
            with open(path, "wb") as sink:
                write_archive(ctx.regions, user_id, sink, instance=ctx.settings.base_url, on_progress=progress)
            ctx.region.blobs.put_file(key, path, content_type="application/zip")
            size = path.stat().st_size
    except Exception:
        if not ctx.last_attempt:
            raise  # the runner retries later; the row still says "running"
        log.exception("export %s failed", export_id)
        _set(ctx.region, export_id, status=FAILED, finished_at=utcnow(),
             error=COULD_NOT)
        return True
    if _finish(ctx.region, export_id, size):
        return True
    ctx.region.blobs.delete(key)
    return False


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


@handler(SWEEP_EXPORTS_JOB)
def sweep_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    sweep(ctx.region)
    with ctx.region.session() as s:
        book(s, SWEEP_EXPORTS_JOB, in_s=SWEEP_EVERY_S)
        s.commit()

