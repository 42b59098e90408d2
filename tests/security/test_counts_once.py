"""View and share counts feed For You: repeating the request must not raise them. A view counts once
per viewer (or visitor session) per video per window, a share once per member or visitor session;
what is kept to know that lives in the viewer's home region, and a visitor's expires."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from havre.recs.events import FeedEvent as WatchEvent
from havre.regions import Regions
from havre.social.marks import VIEW_WINDOW, VISITOR_MEMORY
from havre.social.models import CountMark, VisitorMark
from havre.videos.models import Video
from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload_ready

VIEW = {"watch_ms": 1500, "completed": False}


def _counts(regions: Regions, video_id: str, region: str | None = None) -> tuple[int, int]:
    with (regions.get(region) if region else regions.default).session() as s:
        video = s.get(Video, video_id)
        assert video is not None
        return video.view_count, video.share_count


def _rows(regions: Regions, model: type, region: str | None = None) -> int:
    with (regions.get(region) if region else regions.default).session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _age(regions: Regions, model: type[Any], by: timedelta) -> None:
    with regions.default.session() as s:
        for row in s.scalars(select(model)):
            row.at -= by
        s.commit()


@pytest.fixture
def video(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> str:
    client.signup("creator")
    return upload_ready(client, h264_clip, run_jobs)


def test_a_visitor_repeating_views_and_shares_counts_once(
        video: str, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    visitor = make_client()
    for _ in range(50):
        assert visitor.post(f"/api/videos/{video}/views", json=VIEW).status_code == 204
        assert visitor.post(f"/api/videos/{video}/share").json()["share_count"] == 1
    assert _counts(regions, video) == (1, 1)
    assert visitor.get(f"/api/videos/{video}").json()["share_count"] == 1
    # Another browser is another viewer.
    other = make_client()
    other.post(f"/api/videos/{video}/views", json=VIEW)
    assert other.post(f"/api/videos/{video}/share").json()["share_count"] == 2
    assert _counts(regions, video) == (2, 2)
    # What is kept of a visitor is a hash of their cookie, never the cookie itself.
    with regions.default.session() as s:
        keys = set(s.scalars(select(VisitorMark.session_hash)))
    assert len(keys) == 2 and not keys & {visitor.cookies["havre_csrf"], other.cookies["havre_csrf"]}


def test_a_member_view_counts_once_per_window_but_every_watch_is_recorded(
        video: str, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    fan = make_client()
    fan.signup("fan")
    for _ in range(20):
        assert fan.post(f"/api/videos/{video}/views", json=VIEW).status_code == 204
    assert _counts(regions, video)[0] == 1
    assert _rows(regions, WatchEvent) == 20  # the recommender still learns from every viewing
    _age(regions, CountMark, VIEW_WINDOW + timedelta(minutes=1))
    fan.post(f"/api/videos/{video}/views", json=VIEW)
    fan.post(f"/api/videos/{video}/views", json=VIEW)
    assert _counts(regions, video)[0] == 2


def test_a_member_share_counts_once_ever(video: str, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    fan = make_client()
    fan.signup("fan")
    assert fan.post(f"/api/videos/{video}/share").json()["share_count"] == 1
    _age(regions, CountMark, timedelta(days=365))
    assert fan.post(f"/api/videos/{video}/share").json()["share_count"] == 1
    # Logging in from another browser does not make a new sharer.
    again = make_client()
    assert again.post("/api/auth/login", json={"handle": "fan", "password": PASSWORD}).status_code == 200
    again.post(f"/api/videos/{video}/share")
    assert _counts(regions, video)[1] == 1


def test_a_visitors_marks_expire(video: str, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    visitor = make_client()
    visitor.post(f"/api/videos/{video}/views", json=VIEW)
    visitor.post(f"/api/videos/{video}/share")
    assert _rows(regions, VisitorMark) == 2
    _age(regions, VisitorMark, VISITOR_MEMORY + timedelta(minutes=1))
    make_client().post(f"/api/videos/{video}/views", json=VIEW)  # any later count prunes them
    assert _rows(regions, VisitorMark) == 1


def _post_in_threads(clients: list[ApiClient], url: str, body: Any | None = None) -> list[int]:
    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(lambda c: c.post(url, json=body).status_code, clients))


def _same_browser(make_client: Callable[[], ApiClient], first: ApiClient, n: int) -> list[ApiClient]:
    """``n`` clients sharing ``first``'s cookies: one browser sending requests in parallel."""
    clients = [first]
    for _ in range(n - 1):
        c = make_client()
        c.cookies.clear()
        c.cookies.update(first.cookies)
        c.headers["X-CSRF-Token"] = first.headers["X-CSRF-Token"]
        clients.append(c)
    return clients


def test_parallel_views_and_shares_of_one_viewer_count_once(
        video: str, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    fan = make_client()
    fan.signup("fan")
    members = _same_browser(make_client, fan, 8)
    assert _post_in_threads(members, f"/api/videos/{video}/views", VIEW) == [204] * 8
    assert _post_in_threads(members, f"/api/videos/{video}/share") == [200] * 8
    visitors = _same_browser(make_client, make_client(), 8)
    assert _post_in_threads(visitors, f"/api/videos/{video}/views", VIEW) == [204] * 8
    assert _post_in_threads(visitors, f"/api/videos/{video}/share") == [200] * 8
    assert _counts(regions, video) == (2, 2)
    assert _rows(regions, WatchEvent) == 8


@pytest.mark.parametrize("region_names", [("eu", "us")])
def test_a_members_marks_stay_in_their_home_region(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    assert client.post("/api/auth/signup", json={"handle": "creator", "password": PASSWORD,
                                                 "region": "eu"}).status_code == 201
    video = upload_ready(client, h264_clip, run_jobs)
    fan = make_client()
    assert fan.post("/api/auth/signup", json={"handle": "fan", "password": PASSWORD,
                                              "region": "us"}).status_code == 201
    for _ in range(5):
        fan.post(f"/api/videos/{video}/views", json=VIEW)
        fan.post(f"/api/videos/{video}/share")
    run_jobs()
    assert _counts(regions, video, "eu") == (1, 1)
    assert _rows(regions, CountMark, "us") == 2 and _rows(regions, CountMark, "eu") == 0
