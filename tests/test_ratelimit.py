"""Rate counters (havre.ratelimit): every unit counted once, whatever runs at the same moment,
on both stores; windows that end; keys that name nobody without the secret."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from havre.config import Settings
from havre.ratelimit import Rate, RateCounter, RateLimiter
from havre.regions import Regions, open_regions

LIMIT = Rate(100, 3600)
NOW = 1_800_000_000.0  # inside one window of LIMIT, whenever the test runs


def _spend_many(settings: Settings, times: int) -> list[int]:
    """Spend ``times`` units one by one, each in its own transaction (also run in processes)."""
    limiter = RateLimiter(secret=b"s" * 32)
    regions = open_regions(settings)
    try:
        waits = []
        for _ in range(times):
            with regions.default.session() as s:
                waits.append(limiter.spend(s, limiter.key("comment", "member", "u1"), LIMIT, now=NOW))
                s.commit()
        return waits
    finally:
        regions.close()


def test_threads_and_processes_at_once_are_each_counted_once(settings: Settings, regions: Regions) -> None:
    with ThreadPoolExecutor(4) as threads:
        from_threads = [w for waits in threads.map(_spend_many, [settings] * 4, [20] * 4) for w in waits]
    with multiprocessing.get_context("spawn").Pool(3) as processes:
        from_processes = [w for waits in processes.starmap(_spend_many, [(settings, 20)] * 3) for w in waits]
    waits = from_threads + from_processes  # 140 units against a limit of 100
    assert sum(1 for w in waits if w == 0) == 100
    assert all(0 < w <= 3600 for w in waits if w)
    with regions.default.session() as s:
        assert s.scalar(select(RateCounter.count)) == 140  # units past the limit count too
        assert s.scalar(select(func.count()).select_from(RateCounter)) == 1


def test_a_new_window_starts_from_zero_and_says_when_it_comes(regions: Regions) -> None:
    limiter = RateLimiter(secret=b"s" * 32)
    key = limiter.key("like", "address", "192.0.2.1")
    rate = Rate(2, 60)
    start = 1_800_000_000.0 - 1_800_000_000.0 % 60
    with regions.default.session() as s:
        assert [limiter.spend(s, key, rate, now=start + t) for t in (0, 1, 50)] == [0, 0, 10]
        assert limiter.spend(s, key, rate, now=start + 60) == 0  # the next minute
        assert limiter.spend(s, key, rate, units=5, now=start + 61) == 59
        # A raised factor multiplies the limit (a load test of one account).
        assert RateLimiter(secret=b"s" * 32, factor=10).spend(s, key, rate, now=start + 62) == 0


def test_keys_are_keyed_hashes_that_differ_per_secret_and_per_part() -> None:
    one, other = RateLimiter(secret=b"a" * 32), RateLimiter(secret=b"b" * 32)
    key = one.key("signup", "address", "192.0.2.7")
    assert "192.0.2.7" not in key and len(key) == 64
    assert key != other.key("signup", "address", "192.0.2.7")
    assert key != one.key("signup", "address", "192.0.2.8")
    assert str(Rate(600, 60)) == "600 per minute" and str(Rate(20_000, 86400)) == "20,000 per day"
