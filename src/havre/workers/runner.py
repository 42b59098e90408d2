"""Claims and runs jobs. Works on any SQL backend; one runner class for thread and process use.

A claim is a conditional UPDATE (``WHERE status='queued'`` or an expired lease), so two
runners never run the same job at once. A running job's lease is renewed by a heartbeat, so it
can be long without delaying anything but the takeover of a dead machine's jobs: a runner that
dies leaves its lease to expire and another picks the job up, and a crash never loses a job.
A runner restarted on the same data dir does not wait for that: it holds a slot of the data dir
(``workers.identity``, an OS file lock that proves the slot's previous process is gone) and
takes back at once the jobs its previous incarnation held. Handlers must be idempotent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, or_, select, update
from sqlalchemy.orm import Session

from havre.config import Settings
from havre.db.base import utcnow
from havre.jobs.models import DONE, FAILED, INTERRUPTED, QUEUED, RUNNING, Job
from havre.jobs.registry import PermanentJobError
from havre.regions.registry import Region, Regions, serving
from havre.regions.work import JobContext
from havre.workers.handlers import get_handler
from havre.workers.identity import RunnerSlot, take_slot

log = logging.getLogger(__name__)


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempt, 300))


class JobRunner:
    def __init__(self, *, regions: Regions, settings: Settings, name: str | None = None,
                 kinds: Iterable[str] | None = None, only: Iterable[Region] | None = None) -> None:
        # Jobs of ``only`` (default: every region) are run; all regions stay reachable through
        # the gateway for jobs that push counts or notices elsewhere.
        self.everywhere = regions
        self.regions = list(only) if only is not None else list(regions)
        # Restrict to some job kinds (e.g. a worker dedicated to transcoding); None runs all.
        self.kinds = set(kinds) if kinds is not None else None
        # A running job holds a lease that a heartbeat renews; a dead runner's lease runs out
        # and another runner takes the job over.
        self.lease = timedelta(seconds=settings.job_lease_s)
        self.settings = settings
        # A given name is kept as is (and never takes anything back); else the runner takes a slot
        # of the data dir at its first claim, and is named after it.
        self._fixed_name = name is not None
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._slot: RunnerSlot | None = None
        self._slot_pid: int | None = None  # the process that looked for a slot (a fork looks again)
        self._owed_take_back = False
        self._slot_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- identity ---------------------------------------------------------------
    def _ensure_slot(self) -> None:
        """Take a slot of the data dir once per process, and with it the jobs of its dead holder."""
        if self._fixed_name:
            return
        with self._slot_lock:
            if self._slot_pid != os.getpid():
                if self._slot is not None:  # a forked child (Celery's prefork pool): the parent keeps its slot
                    self._slot.drop_inherited()
                self._slot, self._slot_pid = take_slot(self.settings.data_dir), os.getpid()
                self._owed_take_back = self._slot is not None
                if self._slot is not None:
                    self.name = self._slot.name
            if self._owed_take_back and self._slot is not None:
                # Until it succeeds (a database that is down now raises here and is tried again).
                self.take_back(self._slot.prefix)
                self._owed_take_back = False

    def take_back(self, prefix: str) -> int:
        """Queue again, due now, the running jobs of a dead incarnation (names starting ``prefix``)."""
        taken = 0
        for region in self.everywhere:
            with region.session() as s:
                result = cast("CursorResult[Any]", s.execute(
                    update(Job).where(Job.status == RUNNING, Job.locked_by.startswith(prefix, autoescape=True))
                    .values(status=QUEUED, locked_by=None, locked_until=None, run_after=utcnow(),
                            relayed_at=None, last_error=INTERRUPTED)))
                s.commit()
                taken += result.rowcount
        if taken:
            log.info("took back %d job(s) left running by this runner's previous process", taken)
        return taken

    # -- claiming ---------------------------------------------------------------
    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        return or_((Job.status == QUEUED) & (Job.run_after <= now),
                   (Job.status == RUNNING) & (Job.locked_until < now))

    def _try_claim(self, s: Session, job_id: str, now: datetime) -> Job | None:
        claimed = cast("CursorResult[Any]", s.execute(
            update(Job).where(Job.id == job_id).where(self._claimable(now))
            .values(status=RUNNING, locked_by=self.name, locked_until=now + self.lease, attempts=Job.attempts + 1)))
        s.commit()
        return s.get(Job, job_id, populate_existing=True) if claimed.rowcount == 1 else None

    def claim(self, region: Region) -> Job | None:
        self._ensure_slot()
        now = utcnow()
        with region.session() as s:
            candidates = s.scalars(
                select(Job.id).where(
                    self._claimable(now),
                    *([Job.kind.in_(self.kinds)] if self.kinds is not None else []),
                ).order_by(Job.priority, Job.run_after).limit(5)
                # PostgreSQL: runners skip rows another runner is claiming instead of queueing
                # behind its lock (SQLite has no row locks and ignores this).
                .with_for_update(skip_locked=True)
            ).all()
            for job_id in candidates:
                job = self._try_claim(s, job_id, now)
                if job is not None:
                    return job
        return None

    def run_job_id(self, region: Region, job_id: str) -> bool:
        """Run one given job if it is still to be run (a Celery delivery); False if not claimable."""
        self._ensure_slot()
        with region.session() as s:
            job = self._try_claim(s, job_id, utcnow())
        if job is None:
            return False
        self._execute(region, job)
        return True

    def run_one(self, region: Region) -> bool:
        """Claim and run one ready job of ``region``; False when none was ready."""
        job = self.claim(region)
        if job is None:
            return False
        self._execute(region, job)
        return True

    def _execute(self, region: Region, job: Job) -> None:
        def report(fraction: float) -> None:
            with region.session() as s:
                s.execute(update(Job).where(Job.id == job.id).values(progress=max(0.0, min(1.0, fraction))))
                s.commit()

        ctx = JobContext(region=region, regions=self.everywhere, settings=self.settings, job_id=job.id,
                         attempt=job.attempts, report_progress=report, max_attempts=job.max_attempts)
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(self.lease.total_seconds() / 3):
                with region.session() as s:
                    s.execute(update(Job).where(Job.id == job.id, Job.locked_by == self.name)
                              .values(locked_until=utcnow() + self.lease))
                    s.commit()

        beat = threading.Thread(target=heartbeat, name=f"lease-{job.id}", daemon=True)
        beat.start()
        try:
            self._run_handler(region, job, ctx)
        finally:
            done.set()
            beat.join()

    def _run_handler(self, region: Region, job: Job, ctx: JobContext) -> None:
        try:
            # A job works for its own region; anything elsewhere goes through the gateway.
            with serving(region.name):
                get_handler(job.kind)(ctx, dict(job.payload))
        except PermanentJobError as exc:
            self._finish(region, job, status=FAILED, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            error = f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            if job.attempts >= job.max_attempts:
                self._finish(region, job, status=FAILED, error=error)
            else:
                with region.session() as s:
                    s.execute(update(Job).where(Job.id == job.id, Job.locked_by == self.name).values(
                        status=QUEUED, locked_by=None, locked_until=None, last_error=error,
                        run_after=utcnow() + backoff(job.attempts)))
                    s.commit()
        else:
            self._finish(region, job, status=DONE, error=None)

    def _finish(self, region: Region, job: Job, *, status: str, error: str | None) -> None:
        with region.session() as s:
            s.execute(update(Job).where(Job.id == job.id).where(Job.locked_by == self.name).values(
                status=status, last_error=error, locked_by=None, locked_until=None,
                finished_at=utcnow(), progress=1.0 if status == DONE else Job.progress))
            s.commit()

    # -- loops ------------------------------------------------------------------
    def drain(self, *, limit: int = 10_000) -> int:
        """Run ready jobs until none is left (CLI and tests). Returns how many ran."""
        ran = 0
        while ran < limit:
            progressed = False
            for region in self.regions:
                if self.run_one(region):
                    ran += 1
                    progressed = True
            if not progressed:
                return ran
        return ran

    def wake(self) -> None:
        self._wake.set()

    def run_forever(self, *, poll_s: float = 2.0) -> None:
        while not self._stop.is_set():
            try:
                ran = self.drain(limit=50)
            except Exception:  # noqa: BLE001 - a broken DB must not kill the loop
                log.exception("job runner loop error")
                ran = 0
            if not ran:
                self._wake.wait(poll_s)
                self._wake.clear()

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="havre-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # a job still runs under our name: keep the slot, so no one takes it back
        if self._slot is not None:
            self._slot.release()
