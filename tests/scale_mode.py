"""The scale-mode test stores: a PostgreSQL database and an S3 bucket of their own per test.

`HAVRE_TEST_MODE=scale` runs the same tests against them (CI runs the suite in both modes).
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, text

from havre.commands import pending_jobs
from havre.config import Settings
from havre.regions import Regions
from tests.migrated import postgres_template
from tests.s3server import S3Server

REDIS_URL = os.environ.get("HAVRE_TEST_REDIS", "redis://127.0.0.1:6379")
PG_ADMIN_URL = os.environ.get("HAVRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def scale_mode() -> bool:
    return os.environ.get("HAVRE_TEST_MODE", "embedded") == "scale"


class _Databases:
    """PostgreSQL databases made ahead and dropped behind by a thread of their own, so that a test
    waits for neither (each takes the server 0.3-1 s of disk work; a test needs two).

    ``READY`` of each kind wait made; a database a test is done with is dropped (``WITH (FORCE)``:
    connections it left open are ended) while the next test runs. At exit the thread stops and
    what is left is dropped, the template last."""

    READY = 2

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template = postgres_template(PG_ADMIN_URL)  # first, so that its own drop runs after ours
        self.ready: dict[bool, queue.Queue[str]] = {False: queue.Queue(), True: queue.Queue()}
        self.wanted: set[bool] = set()
        self.doomed: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._work, name="test-databases", daemon=True)
        self.thread.start()
        atexit.register(self.close)

    def take(self, migrated: bool) -> str:
        self.wanted.add(migrated)
        try:
            return self.ready[migrated].get(timeout=0.01)
        except queue.Empty:
            return self._create(migrated)  # none made yet: make one now

    def give_back(self, name: str) -> None:
        self.doomed.put(name)

    def _create(self, migrated: bool) -> str:
        name = f"havre_test_{uuid.uuid4().hex[:12]}"
        template = f' TEMPLATE "{self.template}"' if migrated else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _work(self) -> None:
        while not self.stop.is_set():
            try:
                self._drop(self.doomed.get(timeout=0.05))
                continue
            except queue.Empty:
                pass
            for migrated in list(self.wanted):
                if self.ready[migrated].qsize() < self.READY and not self.stop.is_set():
                    self.ready[migrated].put(self._create(migrated))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(60)
        for waiting in (self.doomed, *self.ready.values()):
            while not waiting.empty():
                self._drop(waiting.get())
        self.admin.dispose()


_databases: list[_Databases] = []


@contextmanager
def postgres_database(*, migrated: bool = False) -> Iterator[str]:
    """A new database of its own, empty or (``migrated``) at the newest migration, copied from
    the session's template (tests.migrated); dropped afterwards, even with connections left open."""
    if not _databases:
        _databases.append(_Databases())
    name = _databases[0].take(migrated)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        _databases[0].give_back(name)


def scale_env(s3: S3Server, database_url: str, bucket: str) -> dict[str, str]:
    return {**s3.env(), "HAVRE_DATABASE_URL": database_url, "HAVRE_BLOB_URL": f"s3://{bucket}"}


class CeleryJobs:
    """Run jobs the scale way for one test: relay job rows to Redis, a real Celery worker
    (in a thread of this process, bound to the test's regions) claims and runs them."""

    def __init__(self, *, settings: Settings, regions: Regions, broker_url: str) -> None:
        from havre.workers.celery_backend import make_celery, register_worker_task

        self.settings, self.regions = settings, regions
        self.celery = make_celery(broker_url)
        register_worker_task(self.celery, settings=settings, regions=regions)
        self._stack = ExitStack()
        self._started = False

    def run(self, kinds: set[str] | None = None, *, timeout_s: float = 120) -> int:
        from celery.contrib.testing.worker import start_worker

        from havre.workers.celery_backend import CeleryRelay

        if not self._started:
            self._stack.enter_context(start_worker(self.celery, perform_ping_check=False, shutdown_timeout=30))
            self._started = True
        relay = CeleryRelay(regions=self.regions, celery=self.celery, kinds=kinds)
        relayed = 0
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            relayed += relay.relay_all()  # again each round: jobs enqueue follow-ups (remux -> ladder)
            if not pending_jobs(self.regions, kinds):
                return relayed
            time.sleep(0.2)
        raise TimeoutError(f"jobs still pending after {timeout_s} s")

    def close(self) -> None:
        self._stack.close()
