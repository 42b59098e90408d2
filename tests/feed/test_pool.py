"""The candidate pool is read again in the background: requests keep getting the old one meanwhile,
and only one thread reads a region at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from havre.feed import pool
from havre.feed.pool import PoolCache, PoolEntry
from havre.regions import Regions
from havre.regions.gateway import gateway_for
from tests.conftest import ApiClient
from tests.feed.rows import add_videos


def _refreshes(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"havre-pool-{name}"]


def test_an_old_pool_is_served_while_one_thread_reads_it_again(
        regions: Regions, make_client: Callable[[], ApiClient], monkeypatch: pytest.MonkeyPatch) -> None:
    make_client().signup("maker")
    (first,) = add_videos(regions, "maker", ["One"])
    reading = threading.Event()
    release = threading.Event()
    calls: list[int] = []
    real = pool.candidate_pool

    def slow_pool(s: Session, region: str, **kwargs: Any) -> list[PoolEntry]:
        calls.append(1)
        if threading.current_thread() is not threading.main_thread():  # a refresh: held until let go
            reading.set()
            release.wait()
        return real(s, region, **kwargs)

    monkeypatch.setattr(pool, "candidate_pool", slow_pool)
    cache = PoolCache(ttl_s=3600.0)
    gw = gateway_for(regions, regions.default, member=True)
    before = cache.candidates(gw)
    assert [e.id for e in before.entries] == [first] and len(calls) == 1  # the first read is on the request
    cache.ttl_s = 0.0  # from now on the pool is always past its time
    served = [cache.candidates(gw) for _ in range(5)]
    assert reading.wait(timeout=30)
    assert all(c is before for c in served)  # the old pool, at once, while the refresh reads
    assert len(calls) == 2 and len(_refreshes(regions.default.name)) == 1  # one reader, not one per request
    release.set()
    for thread in _refreshes(regions.default.name):
        thread.join(timeout=30)
    cache.ttl_s = 3600.0
    after = cache.candidates(gw)
    assert after is not before and [e.id for e in after.entries] == [first]  # the new read, laid out
    assert len(calls) == 2


def test_a_failed_refresh_keeps_the_old_pool(regions: Regions, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    cache = PoolCache(ttl_s=3600.0)
    gw = gateway_for(regions, regions.default, member=True)
    before = cache.candidates(gw)

    def broken(s: Session, region: str, **kwargs: Any) -> list[PoolEntry]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(pool, "candidate_pool", broken)
    cache.ttl_s = 0.0
    assert cache.candidates(gw) is before
    for thread in _refreshes(regions.default.name):
        thread.join()
    assert cache.candidates(gw) is before
    for thread in _refreshes(regions.default.name):
        thread.join()
    assert "refreshing the candidate pool of region" in caplog.text
