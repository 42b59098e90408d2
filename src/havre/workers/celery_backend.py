"""Celery on Redis as the job engine at scale. The job table stays the source of truth:

- a relay (a thread in every web process and worker) publishes ready job rows to Celery after
  commit, and again when a job's lease ran out (a worker was killed) or it waited too long;
- a Celery task only carries (region, job id) and claims the row with the same conditional
  UPDATE as the in-process runner, so a duplicate delivery finds nothing to do and no job
  runs twice to completion;
- ladder encodes go to their own ``transcode`` queue; workers ack late with prefetch 1.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import Celery
from kombu.entity import Queue
from sqlalchemy import or_, select, update

from havre.config import Settings
from havre.db.base import utcnow
from havre.jobs.models import QUEUED, RUNNING, Job
from havre.regions.registry import Region, Regions
from havre.videos import LADDER_JOB
from havre.workers.runner import JobRunner

log = logging.getLogger(__name__)
TRANSCODE_QUEUE, DEFAULT_QUEUE = "transcode", "default"
REDELIVER_AFTER = timedelta(seconds=60)


# Only the long encodes go to the transcode queue; the quick remux that makes an upload
# playable stays on the default queue so a ladder backlog never delays it.
TRANSCODE_KINDS = {LADDER_JOB}


def queue_for(kind: str) -> str:
    return TRANSCODE_QUEUE if kind in TRANSCODE_KINDS else DEFAULT_QUEUE


def make_celery(broker_url: str) -> Celery:
    app = Celery("havre", broker=broker_url)
    app.conf.update(
        # Both queues declared: a worker started without -Q consumes both.
        task_queues=(Queue(DEFAULT_QUEUE), Queue(TRANSCODE_QUEUE)),  # type: ignore[no-untyped-call]
        task_acks_late=True,                  # a killed worker's message is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,         # one long transcode must not hold others hostage
        task_default_queue=DEFAULT_QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 600},
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    return app


class CeleryRelay:
    """Publishes ready job rows of every region to Celery; safe to run in many processes."""

    def __init__(self, *, regions: Iterable[Region], celery: Celery, poll_s: float = 2.0,
                 kinds: set[str] | None = None) -> None:
        self.regions = list(regions)
        self.kinds = kinds  # relay only these kinds (None: all), like JobRunner(kinds=...)
        self.celery = celery
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def relay_region(self, region: Region) -> int:
        now = utcnow()
        stale = now - REDELIVER_AFTER
        with region.session() as s:
            jobs = s.execute(select(Job.id, Job.kind).where(or_(
                (Job.status == QUEUED) & (Job.run_after <= now)
                & (Job.relayed_at.is_(None) | (Job.relayed_at < stale)),
                (Job.status == RUNNING) & (Job.locked_until < now) & (Job.relayed_at < stale),
            ), *([Job.kind.in_(self.kinds)] if self.kinds is not None else [])).limit(500)).all()
            for job_id, kind in jobs:
                self.celery.send_task("havre.run_job", args=[region.name, job_id], queue=queue_for(kind))
                s.execute(update(Job).where(Job.id == job_id).values(relayed_at=now))
            s.commit()
        return len(jobs)

    def relay_all(self) -> int:
        return sum(self.relay_region(region) for region in self.regions)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.relay_all()
            except Exception:  # noqa: BLE001 - broker or DB hiccup: try again next tick
                log.exception("job relay error")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def start_thread(self) -> None:
        for region in self.regions:
            region.on_job_enqueued(self.wake)
        self._thread = threading.Thread(target=self._loop, name="havre-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(10)


def register_worker_task(celery: Celery, *, settings: Settings, regions: Regions, **runner_kw: Any) -> None:
    """Define ``havre.run_job`` in a worker process, bound to that process's regions."""
    runner = JobRunner(regions=regions, settings=settings, **runner_kw)

    # Bound to these regions, not to every app. Celery is untyped, so its decorator is too.
    @celery.task(name="havre.run_job", shared=False)  # type: ignore[untyped-decorator]
    def run_job(region_name: str, job_id: str) -> bool:
        return runner.run_job_id(regions.get(region_name), job_id)


def run_worker(settings: Settings, regions: Regions, *, broker_url: str, served: list[Region],
               queues: list[str], concurrency: int = 1) -> None:
    """A Celery worker for the regions ``served`` by ``broker_url`` (it also relays their jobs)."""
    celery = make_celery(broker_url)
    register_worker_task(celery, settings=settings, regions=regions)
    relay = CeleryRelay(regions=served, celery=celery)
    relay.start_thread()
    try:
        # Solo pool: the task runs in this process, so killing it kills the job (the lease and
        # late ack then hand it to another worker).
        celery.worker_main(["worker", "--loglevel=INFO", "--pool=solo" if concurrency == 1 else "--pool=prefork",
                            f"--concurrency={concurrency}", "-Q", ",".join(queues),
                            "--without-gossip", "--without-mingle", "--without-heartbeat"])
    finally:
        relay.stop()
