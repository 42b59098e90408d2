"""The scale-mode test stores: a PostgreSQL database and an S3 bucket of their own per test.

`HAVRE_TEST_MODE=scale` runs the same tests against them (CI runs the suite in both modes).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, text

from havre.commands import pending_jobs
from havre.config import Settings
from havre.regions import Regions
from tests.s3server import S3Server

REDIS_URL = os.environ.get("HAVRE_TEST_REDIS", "redis://127.0.0.1:6379")
PG_ADMIN_URL = os.environ.get("HAVRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def scale_mode() -> bool:
    return os.environ.get("HAVRE_TEST_MODE", "embedded") == "scale"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database; dropped afterwards (even with connections left open)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"havre_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
