"""The import's status says what an unfinished import waits for, so its page never sits silently."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from havre.jobs.models import INTERRUPTED, Job
from havre.regions import Regions
from tests.conftest import ApiClient


def test_the_status_says_what_the_import_waits_for(client: ApiClient, regions: Regions,
                                                   run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    started = client.post("/api/imports", data={"links": "https://www.tiktok.com/@lea/video/1"})
    assert started.status_code == 202, started.text
    url = f"/api/imports/{started.json()['id']}"
    assert client.get(url).json()["waiting"] == "queued"  # no runner has it yet
    with regions.default.session() as s:  # as a restarted runner hands back its dead process's job
        s.execute(update(Job).values(attempts=1, last_error=INTERRUPTED))
        s.commit()
    assert client.get(url).json()["waiting"] == "resuming"
    with regions.default.session() as s:
        s.execute(update(Job).values(last_error="FetchError: timed out"))
        s.commit()
    assert client.get(url).json()["waiting"] == "retry"
    run_jobs()
    assert client.get(url).json()["waiting"] is None  # over: nothing to wait for
