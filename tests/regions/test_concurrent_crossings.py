"""Cross-region reads in parallel: no request fails because of its audit entry, the chains verify,
and every crossing is accounted for (one entry per request; media once per video per session)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from havre.accounts.models import User
from havre.config import Settings
from havre.regions import Regions
from havre.regions.audit import AuditEntry, verify_chain
from havre.regions.gateway import _MEDIA_SEEN
from tests.conftest import PASSWORD, ApiClient, served_in_thread
from tests.havre_serve import havre_servers
from tests.videos.helpers import upload_ready


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("eu", "us")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Every browser of these tests signs up from 127.0.0.1: more sign-ups than one address may make.
    return dataclasses.replace(settings, rate_limit_factor=20.0)


@dataclass
class Tally:
    """What one browsing session (thread) asked for, to account for the audit entries."""

    requests: int = 0  # non-media requests known to cross into eu (a feed page: when it shows videos)
    empty_pages: int = 0  # feed pages without videos: they cross only when they refresh the candidates
    feed_pages: int = 0  # feed pages with videos: each reads its cards in eu
    media_videos: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def eu_videos(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> list[str]:
    client.signup("ines")  # the default region is the first: eu
    assert client.get("/api/me").json()["home_region"] == "eu"
    return [upload_ready(client, h264_clip, run_jobs, caption=f"Crêpe {i} #recette") for i in range(3)]


def browse(urls: list[str], handle: str, videos: list[str], requests: int) -> Tally:
    """A member of us browsing eu's videos: feed pages, video lookups, posters, the MP4, views, the
    profile. Requests alternate over ``urls`` (several server processes share one session)."""
    tally = Tally()
    clients = [httpx.Client(base_url=url, timeout=60) for url in urls]
    try:
        first = clients[0]
        # A visitor's token, from a page that reads no candidates: a visitor is served for the
        # first region (eu), so a feed read here could fill the pool without crossing, and the
        # members' pages might then never read it (the test's count of pool crossings would be 0).
        first.get("/api/me")
        first.headers["X-CSRF-Token"] = first.cookies["havre_csrf"]
        signed = first.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD, "region": "us"})
        assert signed.status_code == 201, signed.text
        first.headers["X-CSRF-Token"] = signed.headers["x-csrf-token"]  # rotated at sign-up
        for other in clients[1:]:
            other.cookies.update(first.cookies)
            other.headers["X-CSRF-Token"] = first.headers["X-CSRF-Token"]
        cursor = None
        for n in range(requests):
            c = clients[n % len(clients)]
            video = videos[n % len(videos)]
            kind = n % 7
            if kind == 0:
                r = c.get("/api/feed/foryou")
            elif kind == 1:  # the next page of the latest list, or a new one when it has ended
                r = c.get("/api/feed/foryou?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            elif kind == 2:
                r = c.get(f"/api/videos/{video}")
            elif kind == 3:
                r = c.get(f"/media/v/{video}/poster.jpg", follow_redirects=False)
            elif kind == 4:
                r = c.get(f"/media/v/{video}/play.mp4", headers={"Range": "bytes=0-999"}, follow_redirects=False)
            elif kind == 5:
                r = c.post(f"/api/videos/{video}/views", json={"watch_ms": 1500, "completed": False})
            else:
                r = c.get("/@ines")
            if r.status_code >= 400:
                tally.errors.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")
            if kind in (3, 4):
                tally.media_videos.add(video)
            elif kind in (0, 1) and r.status_code == 200:
                page = r.json()
                cursor = page["next_cursor"]
                if page["items"]:
                    tally.requests += 1
                    tally.feed_pages += 1
                else:
                    tally.empty_pages += 1
            else:
                tally.requests += 1
    finally:
        for c in clients:
            c.close()
    return tally


def run_browsers(urls: list[str], videos: list[str], *, threads: int, requests: int) -> list[Tally]:
    _MEDIA_SEEN.clear()  # each test starts with no media already on the chain
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda i: browse(urls, f"viewer{i}", videos, requests), range(threads)))


def request_entries(regions: Regions) -> list[AuditEntry]:
    with regions.get("eu").session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "request",
                                                       AuditEntry.from_region == "us")))


def _user_ids(regions: Regions, region: str) -> list[str]:
    with regions.get(region).session() as s:
        return list(s.scalars(select(User.id)))


def assert_accounted(regions: Regions, tallies: list[Tally], videos: list[str], *, processes: int) -> None:
    errors = [e for t in tallies for e in t.errors]
    user_ids = [uid for name in ("eu", "us") for uid in _user_ids(regions, name)]
    assert errors == [], f"{len(errors)} failed requests, e.g. {errors[:3]}"
    for name in ("eu", "us"):
        with regions.get(name).session() as s:
            assert verify_chain(s) == [], f"the {name} chain does not verify"
    entries = request_entries(regions)
    media = [e for e in entries if any(a.startswith("file:") for a in e.details["crossings"])]
    reads = [e for e in entries if e not in media]
    # One entry per request that crossed; it carries every read that request made in eu.
    crossed = sum(t.requests for t in tallies)
    assert crossed <= len(reads) <= crossed + sum(t.empty_pages for t in tallies)
    calls = Counter(a for e in reads for a in e.details["crossings"])
    assert calls["read:havre.videos.cards.visible_videos"] >= sum(t.feed_pages for t in tallies)
    # The candidates travel once per refresh of a server's pool, not once per page: the first read
    # with a request (a server with no pool yet), later ones in the background, each its own entry.
    with regions.get("eu").session() as s:
        refreshes = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "read:havre.feed.pool.candidate_pool", AuditEntry.from_region == "us")) or 0
    pool_reads = calls["read:havre.feed.pool.candidate_pool"] + refreshes
    assert 1 <= pool_reads < sum(t.feed_pages for t in tallies)
    # Media: once per video per browsing session (per server process, each keeps its own memory).
    pairs = sum(len(t.media_videos) for t in tallies)
    assert pairs <= len(media) <= pairs * processes
    assert all(e.actor == "us:member" for e in entries)
    ids = set(videos) | {u for u in user_ids}
    assert not any(i in str(e.details) or i in e.purpose for e in entries for i in ids)  # counts and labels only


def test_eight_threads_of_cross_region_requests_all_succeed_and_are_all_audited(
        app: object, regions: Regions, eu_videos: list[str]) -> None:
    with served_in_thread(app) as url:
        tallies = run_browsers([url], eu_videos, threads=8, requests=200)
    assert_accounted(regions, tallies, eu_videos, processes=1)


@pytest.mark.slow
def test_two_server_processes_share_the_chains_safely(
        settings: Settings, regions: Regions, eu_videos: list[str], tmp_path: Path) -> None:
    with havre_servers(settings, tmp_path, 2) as servers:
        tallies = run_browsers([served.url for served in servers], eu_videos, threads=6, requests=120)
    assert_accounted(regions, tallies, eu_videos, processes=2)


def test_a_response_whose_crossing_cannot_be_recorded_is_withheld(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, eu_videos: list[str]) -> None:
    viewer = make_client()
    assert viewer.post("/api/auth/signup",
                       json={"handle": "sam", "password": PASSWORD, "region": "us"}).status_code == 201
    assert viewer.get(f"/api/videos/{eu_videos[0]}").status_code == 200
    with regions.get("eu").session() as s:  # eu's chain breaks: no entry can be appended there
        s.execute(text("DROP TABLE audit_head"))
        s.commit()
    response = viewer.get(f"/api/videos/{eu_videos[0]}")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "Crêpe" not in response.text and eu_videos[0] not in response.text
    feed = viewer.get("/api/feed/foryou")
    assert feed.status_code == 503 and "Crêpe" not in feed.text
    # Reading at home only crosses nothing and is served as usual.
    assert client.get(f"/api/videos/{eu_videos[0]}").status_code == 200


def test_entries_cut_off_the_end_of_a_chain_are_detected(
        make_client: Callable[[], ApiClient], regions: Regions, eu_videos: list[str]) -> None:
    viewer = make_client()
    assert viewer.post("/api/auth/signup",
                       json={"handle": "sam", "password": PASSWORD, "region": "us"}).status_code == 201
    for video in eu_videos:
        assert viewer.get(f"/api/videos/{video}").status_code == 200
    with regions.get("eu").session() as s:
        assert verify_chain(s) == []
        last = s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
        assert last is not None
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last))
        s.commit()
        assert [p.problem for p in verify_chain(s)] == [
            f"the head names entry {last} but the chain ends at {last - 1}: entries were removed from its end"]
