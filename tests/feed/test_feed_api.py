from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from havre.regions import Region, Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos
from tests.videos.helpers import upload_ready


def _ids(client: ApiClient, url: str) -> list[str]:
    return [v["id"] for v in client.get(url).json()["items"]]


def test_for_you_leaves_out_what_the_viewer_just_watched(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    ids = [upload_ready(client, h264_clip, run_jobs, caption=f"clip {i}") for i in range(3)]
    viewer = make_client()
    viewer.signup("viewer")
    first = _ids(viewer, "/api/feed/foryou")
    assert sorted(first) == sorted(ids)
    viewer.post(f"/api/videos/{first[0]}/views", json={"watch_ms": 1500, "completed": False})
    assert sorted(_ids(viewer, "/api/feed/foryou")) == sorted(first[1:])  # a new session: unseen only
    assert viewer.post(f"/api/videos/{first[0]}/views", json={"watch_ms": -5}).status_code == 400


def test_pagination_walks_every_video_once(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    ids = {upload_ready(client, h264_clip, run_jobs) for _ in range(5)}
    for url in ("/api/feed/foryou?limit=2", "/api/users/creator/videos?limit=2"):
        seen: list[str] = []
        cursor = None
        while True:
            page = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
            seen += [v["id"] for v in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(ids), url
    assert client.get("/api/feed/foryou?cursor=abc").status_code == 400
    assert client.get("/api/users/creator/videos?cursor=%%%").status_code == 400


def test_following_feed_and_tag_feed(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    tagged = upload_ready(client, h264_clip, run_jobs, caption="#Skate day")
    upload_ready(client, h264_clip, run_jobs, caption="other")
    viewer = make_client()
    viewer.signup("viewer")
    assert _ids(viewer, "/api/feed/following") == []
    viewer.post("/api/users/creator/follow")
    assert len(_ids(viewer, "/api/feed/following")) == 2
    assert _ids(viewer, "/api/feed/tag/skate") == [tagged]
    assert client.get("/api/feed/following").status_code == 200
    with ApiClient(client.app) as anonymous:
        assert anonymous.get("/api/feed/following").status_code == 401


def test_feed_page_costs_a_fixed_number_of_queries(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    for _ in range(6):
        upload_ready(client, h264_clip, run_jobs)
    client.get("/api/feed/foryou")  # the candidate pool is read once, then kept a while
    counts = []
    for limit in (2, 6):
        statements: list[str] = []
        listener = lambda *a, _s=statements, **k: _s.append(a[2])  # noqa: E731
        event.listen(regions.default.engine, "before_cursor_execute", listener)
        client.get(f"/api/feed/foryou?limit={limit}")
        event.remove(regions.default.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1], f"queries grow with page size: {counts}"


def test_a_feed_page_reads_its_region_through_one_session(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Who asks, the ranking, the cards and the viewer's marks: one session, not one apiece."""
    client.signup("creator")
    upload_ready(client, h264_clip, run_jobs)
    first = client.get("/api/feed/foryou?limit=1").json()  # the pool and the model are read once, then kept
    opened: list[str] = []
    session = Region.session

    def counted(region: Region) -> Any:
        opened.append(region.name)
        return session(region)

    monkeypatch.setattr(Region, "session", counted)
    for url in ("/api/feed/foryou?limit=1", f"/api/feed/foryou?limit=1&cursor={first['next_cursor'] or ''}",
                "/api/users/creator/videos", "/api/feed/following"):
        opened.clear()
        response = client.get(url)
        assert response.status_code == 200, response.text
        assert opened == [regions.default.name], (url, opened)


def test_for_you_marks_what_the_member_liked_and_follows_until_they_log_out(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    """Feeds know the viewer by id alone (``RequestContext.viewer_id``): the marks, "mine" and the
    gateway's member flag follow it, and an ended session's cookie is a visitor's."""
    client.signup("maker")
    made = add_videos(regions, "maker", ["one #a", "two #b", "three #c"])
    fan = make_client()
    fan.signup("fan")
    assert fan.post(f"/api/videos/{made[1]}/like").status_code == 200
    assert fan.post("/api/users/maker/follow").status_code == 200
    items = {v["id"]: v for v in fan.get("/api/feed/foryou?limit=10").json()["items"]}
    assert set(made) <= set(items)
    assert [items[v]["liked_by_me"] for v in made] == [False, True, False]
    assert all(items[v]["following_owner"] and not items[v]["is_mine"] for v in made)
    own = {v["id"]: v for v in client.get("/api/feed/foryou?limit=10").json()["items"]}
    assert all(own[v]["is_mine"] and not own[v]["liked_by_me"] for v in made if v in own)

    ended_cookie = fan.cookies["havre_session"]
    assert fan.post("/api/auth/logout").status_code == 204
    with ApiClient(client.app) as stale:
        stale.cookies.set("havre_session", ended_cookie)
        page = stale.get("/api/feed/foryou?limit=10")
        assert page.status_code == 200
        assert not any(v["liked_by_me"] or v["following_owner"] for v in page.json()["items"])
        assert stale.get("/api/feed/following").status_code == 401
