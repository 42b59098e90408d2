"""Two real Celery worker processes on Redis transcode a batch; one is killed -9 mid-batch."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from havre.accounts import signin
from havre.config import load_settings
from havre.db.migrate import upgrade
from havre.jobs.models import DONE, QUEUED, Job
from havre.regions import open_regions
from havre.videos import service as videos
from havre.videos.models import READY, Video
from havre.workers.celery_backend import CeleryRelay, make_celery
from havre.workers.schedules import SCHEDULED
from tests.s3server import S3Server
from tests.scale_mode import postgres_database, scale_env

REDIS = os.environ.get("HAVRE_TEST_REDIS", "redis://127.0.0.1:6379")


@pytest.fixture
def broker_url() -> str:
    # A database number of its own, emptied, so parallel runs and leftovers don't mix.
    url = f"{REDIS}/{11 + os.getpid() % 4}"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS}: {exc}")
    return url


def _worker(data: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **env, "HAVRE_DATA_DIR": str(data), "HAVRE_JOB_LEASE_S": "4"}
    return subprocess.Popen([sys.executable, "-m", "havre", "worker"], env=env,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.mark.slow
def test_two_workers_finish_a_batch_exactly_once_even_when_one_is_killed(
        tmp_path: Path, broker_url: str, database_url: str, h264_clip: Path, s3_server: S3Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The production layout: PostgreSQL, an S3 bucket, Celery on Redis, worker processes.
    data = tmp_path / "data"
    env = {**scale_env(s3_server, database_url, s3_server.new_bucket(f"celery-{uuid.uuid4().hex[:12]}")),
           "HAVRE_BROKER_URL": broker_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = dataclasses.replace(load_settings(data_dir=data), run_jobs_in_process=False)
    regions = open_regions(settings)
    region = regions.default
    upgrade(region.engine)
    owner = signin.sign_up(regions, handle="batch", password="long enough pw", open_session=False).user
    with region.session() as s:
        for i in range(6):
            videos.create_upload(region, regions.directory, s, owner, h264_clip, limits=settings.media,
                                 caption=f"clip {i}")
        s.commit()
    workers = [_worker(data, env, tmp_path / f"worker{i}.log") for i in range(2)]
    relay = CeleryRelay(regions=regions, celery=make_celery(broker_url), poll_s=0.5)
    relay.start_thread()
    try:
        killed = False
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with region.session() as s:
                ready = s.scalar(select(func.count()).select_from(Video).where(Video.hls_key.is_not(None))) or 0
                running = s.scalar(select(func.count()).select_from(Job).where(Job.status == "running"))
            if not killed and running and ready >= 1:
                os.killpg(workers[0].pid, signal.SIGKILL)  # mid-batch, with a job in hand
                killed = True
            if ready == 6:
                break
            time.sleep(0.5)
        assert killed, "the batch finished before a worker could be killed"
        with region.session() as s:
            statuses = s.scalars(select(Video.status)).all()
            # (the schedules a worker books at start, training and clean-ups, wait for later)
            jobs = s.execute(select(Job.kind, Job.status)
                             .where(Job.kind.not_in(SCHEDULED))).all()
            ladders = s.scalar(select(func.count()).select_from(Video).where(Video.hls_key.is_not(None)))
        assert statuses == [READY] * 6 and ladders == 6, (tmp_path / "worker1.log").read_text()[-3000:]
        # One job per step per video, each done once: nothing published twice.
        # (and the replaced remuxes are scheduled for removal after their grace period).
        assert sorted(jobs) == sorted([("videos.process", DONE)] * 6 + [("videos.ladder", DONE)] * 6
                                      + [("videos.drop_files", QUEUED)] * 6)
    finally:
        relay.stop()
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                w.wait(20)
        regions.close()
