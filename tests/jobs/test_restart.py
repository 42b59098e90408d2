"""A restarted runner takes back at once what its dead previous process held, and nothing else."""

from __future__ import annotations

import collections
import dataclasses
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from havre.config import Settings
from havre.db.base import utcnow
from havre.jobs import enqueue, handler, waiting
from havre.jobs.models import DONE, INTERRUPTED, RUNNING, Job
from havre.regions import Regions
from havre.regions.work import JobContext
from havre.workers.identity import take_slot
from havre.workers.runner import JobRunner
from tests.havre_serve import server_env

ROOT = Path(__file__).resolve().parents[2]
ran: list[str] = []
ran_lock = threading.Lock()


@handler("test.restart")
def record(ctx: JobContext, payload: dict[str, Any]) -> None:
    time.sleep(float(payload.get("sleep_s", 0)))
    with ran_lock:
        ran.append(ctx.job_id)


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran.clear()


def _enqueue(regions: Regions, count: int = 1, **payload: Any) -> list[str]:
    with regions.default.session() as s:
        jobs = [enqueue(s, "test.restart", dict(payload)) for _ in range(count)]
        s.commit()
        return [j.id for j in jobs]


def _job(regions: Regions, job_id: str) -> Job:
    with regions.default.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        s.expunge(job)
        return job


@dataclasses.dataclass
class Child:
    proc: subprocess.Popen[str]
    job_id: str  # the job it holds


@pytest.fixture
def child(settings: Settings, regions: Regions, tmp_path: Path) -> Iterator[Child]:
    """Another process of this instance (as `havre serve` would be) whose runner claimed a job and
    hangs holding it."""
    [job_id] = _enqueue(regions)
    proc = subprocess.Popen([sys.executable, "-m", "tests.jobs.runner_child"], cwd=ROOT, text=True,
                            env=server_env(settings, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith(f"claimed {job_id} "), line + proc.stdout.read()
    yield Child(proc=proc, job_id=job_id)
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    proc.stdout.close()


def test_a_restarted_runner_takes_back_its_dead_process_job_at_once(
        settings: Settings, regions: Regions, child: Child) -> None:
    held = _job(regions, child.job_id)
    assert held.status == RUNNING and held.locked_until is not None and held.locked_until > utcnow()

    # The child lives: a runner of this process gets a slot of its own and leaves its job alone.
    beside = JobRunner(regions=regions, settings=settings)
    assert beside.drain() == 0, "a job held by a live runner must not be taken"
    assert beside.name != held.locked_by

    child.proc.send_signal(signal.SIGKILL)  # the server dies mid-job
    child.proc.wait(10)
    assert beside.drain() == 0, "not its slot: the lease stands for it"

    # Restarted: a runner that gets the dead process's slot runs the job now, not in 60 s.
    restarted = JobRunner(regions=regions, settings=settings)
    started = time.monotonic()
    assert restarted.drain() == 1
    assert time.monotonic() - started < 10
    assert restarted.name.rpartition(":")[0] == (held.locked_by or "").rpartition(":")[0]
    done = _job(regions, child.job_id)
    assert done.status == DONE and done.attempts == 2 and done.last_error is None
    assert ran == [child.job_id]


def test_many_runners_at_once_run_every_job_once_and_take_back_a_dead_one_s(
        settings: Settings, regions: Regions) -> None:
    # Jobs left running by a dead process that held slot 0 of this data dir, their lease far ahead.
    slot = take_slot(settings.data_dir)
    assert slot is not None
    dead = f"{slot.prefix}999999"
    slot.release()
    orphans = _enqueue(regions, 3)
    with regions.default.session() as s:
        s.execute(update(Job).where(Job.id.in_(orphans)).values(
            status=RUNNING, locked_by=dead, locked_until=utcnow() + timedelta(minutes=5), attempts=1))
        s.commit()
    fresh = _enqueue(regions, 40, sleep_s=0.01)

    runners = [JobRunner(regions=regions, settings=settings) for _ in range(4)]
    threads = [threading.Thread(target=r.drain) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len({r.name for r in runners}) == 4, "each runner has a slot of its own"
    counts = collections.Counter(ran)
    assert set(counts) == set(orphans + fresh), "every job ran, the dead process's ones included"
    assert max(counts.values()) == 1, f"a job ran twice: {counts.most_common(3)}"


def test_a_heartbeat_keeps_a_long_job_from_being_taken(settings: Settings, regions: Regions) -> None:
    short = dataclasses.replace(settings, job_lease_s=0.6)
    [job_id] = _enqueue(regions, sleep_s=2.0)
    worker = JobRunner(regions=regions, settings=short, name="worker")
    thread = threading.Thread(target=worker.drain)
    thread.start()
    while _job(regions, job_id).locked_by != "worker":  # the worker has it before the other looks
        time.sleep(0.02)
    other = JobRunner(regions=regions, settings=short, name="other")
    taken = 0
    while thread.is_alive():  # three leases long: only the heartbeat keeps it
        taken += other.drain()
        time.sleep(0.1)
    thread.join()
    assert taken == 0 and ran == [job_id]


def test_the_page_can_say_what_a_job_waits_for(settings: Settings, regions: Regions) -> None:
    [job_id] = _enqueue(regions, run="r1")
    assert waiting_for(regions, "r1") == "queued"
    runner = JobRunner(regions=regions, settings=settings)
    assert runner.claim(regions.default) is not None
    assert waiting_for(regions, "r1") is None  # running, its lease alive
    assert runner.take_back(runner.name.rpartition(":")[0] + ":") == 1  # as its restarted self would
    assert _job(regions, job_id).last_error == INTERRUPTED
    assert waiting_for(regions, "r1") == "resuming"
    with regions.default.session() as s:
        s.execute(update(Job).values(last_error="RuntimeError: boom"))
        s.commit()
    assert waiting_for(regions, "r1") == "retry"
    assert waiting_for(regions, "another") is None


def waiting_for(regions: Regions, run: str) -> str | None:
    with regions.default.session() as s:
        return waiting(s, "test.restart", "run", run)
