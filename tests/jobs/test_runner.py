from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from havre.config import Settings
from havre.db.base import utcnow
from havre.jobs import enqueue, handler
from havre.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from havre.jobs.registry import PermanentJobError
from havre.regions import Regions
from havre.regions.work import JobContext
from havre.workers.runner import JobRunner

calls: list[dict[str, Any]] = []


@handler("test.record")
def record(ctx: JobContext, payload: dict[str, Any]) -> None:
    calls.append({"payload": payload, "attempt": ctx.attempt})
    if payload.get("fail_times", 0) >= ctx.attempt:
        raise RuntimeError("transient failure")
    if payload.get("permanent"):
        raise PermanentJobError("bad input: nothing to retry")


@pytest.fixture(autouse=True)
def _clear() -> None:
    calls.clear()


def _jobs(regions: Regions) -> list[Job]:
    with regions.default.session() as s:
        return list(s.scalars(select(Job)))


def test_a_job_exists_only_if_its_transaction_commits(regions: Regions, settings: Settings) -> None:
    with regions.default.session() as s:
        enqueue(s, "test.record", {"n": 1})
        s.rollback()
    with regions.default.session() as s:
        enqueue(s, "test.record", {"n": 2})
        s.commit()
    assert JobRunner(regions=regions, settings=settings).drain() == 1
    assert [c["payload"] for c in calls] == [{"n": 2}]


def test_commit_wakes_the_runner(regions: Regions) -> None:
    woken: list[bool] = []
    regions.default.on_job_enqueued(lambda: woken.append(True))
    with regions.default.session() as s:
        enqueue(s, "test.record", {})
        assert woken == []
        s.commit()
    assert woken == [True]


def test_failures_are_retried_with_backoff_then_succeed(regions: Regions, settings: Settings) -> None:
    runner = JobRunner(regions=regions, settings=settings)
    with regions.default.session() as s:
        enqueue(s, "test.record", {"fail_times": 1})
        s.commit()
    assert runner.drain() == 1  # failed once; the retry waits for its backoff
    [job] = _jobs(regions)
    assert job.status == QUEUED and job.attempts == 1 and "transient failure" in (job.last_error or "")
    assert job.run_after > utcnow()
    with regions.default.session() as s:
        s.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert runner.drain() == 1
    [job] = _jobs(regions)
    assert job.status == DONE and job.attempts == 2


def test_permanent_errors_fail_at_once(regions: Regions, settings: Settings) -> None:
    with regions.default.session() as s:
        enqueue(s, "test.record", {"permanent": True})
        s.commit()
    JobRunner(regions=regions, settings=settings).drain()
    [job] = _jobs(regions)
    assert job.status == FAILED and job.attempts == 1 and job.last_error == "bad input: nothing to retry"


def test_a_job_of_a_crashed_runner_is_taken_over_after_its_lease(regions: Regions, settings: Settings) -> None:
    with regions.default.session() as s:
        enqueue(s, "test.record", {"n": 3})
        s.commit()
    crashed = JobRunner(regions=regions, settings=settings, name="crashed")
    assert crashed.claim(regions.default) is not None  # claimed, then the process "dies"
    other = JobRunner(regions=regions, settings=settings, name="other")
    assert other.drain() == 0, "a job under a live lease must not run twice"
    with regions.default.session() as s:
        s.execute(update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert other.drain() == 1
    [job] = _jobs(regions)
    assert job.status == DONE and job.attempts == 2 and len(calls) == 1


def test_two_runners_never_claim_the_same_job(regions: Regions, settings: Settings) -> None:
    with regions.default.session() as s:
        for i in range(20):
            enqueue(s, "test.record", {"n": i})
        s.commit()
    a = JobRunner(regions=regions, settings=settings, name="a")
    b = JobRunner(regions=regions, settings=settings, name="b")
    claimed = []
    for _ in range(20):
        for runner in (a, b):
            job = runner.claim(regions.default)
            if job is not None:
                claimed.append(job.id)
    assert len(claimed) == 20 == len(set(claimed))
    assert all(j.status == RUNNING for j in _jobs(regions))


def test_urgent_jobs_run_before_a_backlog(regions: Regions, settings: Settings) -> None:
    with regions.default.session() as s:
        for i in range(3):
            enqueue(s, "test.record", {"n": f"backlog {i}"}, priority=10)
        enqueue(s, "test.record", {"n": "urgent"}, priority=0)
        s.commit()
    JobRunner(regions=regions, settings=settings).drain()
    assert calls[0]["payload"] == {"n": "urgent"}


def test_configuration_picks_the_job_engine_per_region(tmp_path: Path) -> None:
    """A deployment may mix: one region on Celery, another run in-process."""
    from havre.config import RegionConfig, load_settings
    from havre.regions import open_regions
    from havre.workers.celery_backend import CeleryRelay
    from havre.workers.engines import background_engines

    base = load_settings(data_dir=tmp_path, regions="eu,us")
    mixed = dataclasses.replace(base, regions=(RegionConfig(name="eu", broker_url="redis://127.0.0.1:6379/15"),
                                               RegionConfig(name="us")))
    regions = open_regions(mixed)
    try:
        engines = background_engines(mixed, regions)
        relays = [e for e in engines if isinstance(e, CeleryRelay)]
        runners = [e for e in engines if isinstance(e, JobRunner)]
        assert [r.name for r in relays[0].regions] == ["eu"]
        assert [r.name for r in runners[0].regions] == ["us"]
    finally:
        regions.close()
