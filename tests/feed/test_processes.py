"""Two `havre serve` processes over one instance: what one process changes, the other shows
within the bound feed.state states (a video made private: at once; a new one: within
``POOL_TTL_S``)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from havre.config import Settings
from havre.feed.pool import POOL_TTL_S
from havre.regions import Regions
from tests.conftest import PASSWORD
from tests.feed.rows import add_videos
from tests.havre_serve import havre_servers

SLACK_S = 10.0  # a busy machine's delay on top of the stated bound: a refresh and the next page


def _member(url: str, handle: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    client.get("/static/vendor/README.md")
    client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
    signed = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    client.headers["X-CSRF-Token"] = signed.headers.get("x-csrf-token", client.cookies["havre_csrf"])
    return client


def _for_you(client: httpx.Client, cursor: str | None = None) -> dict[str, Any]:
    response = client.get("/api/feed/foryou", params={"limit": 10, **({"cursor": cursor} if cursor else {})})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [v["id"] for v in page["items"]]


def test_a_second_process_shows_what_the_first_changed_within_the_stated_bound(
        settings: Settings, regions: Regions, tmp_path: Any) -> None:
    with havre_servers(settings, tmp_path, 2) as (first, second):
        maker = _member(first.url, "maker")
        viewer = _member(second.url, "viewer")
        # New videos, written by a third process (this test): each server's pool had none.
        ids = add_videos(regions, "maker", [f"Clip {n} #both" for n in range(4)], plays=50, completes=20)
        written = time.monotonic()
        for client in (maker, viewer):
            while not set(ids) <= set(_ids(_for_you(client))):
                assert time.monotonic() - written < POOL_TTL_S + SLACK_S, (
                    f"new videos did not reach a server's For You within {POOL_TTL_S} s")
                time.sleep(0.5)
        session = _for_you(viewer)  # a session that has the video in its list, in the second process
        assert ids[0] in _ids(session) or session["next_cursor"]
        # The maker turns one private through the first process: the second shows it no more, at once.
        hidden = ids[0]
        assert maker.patch(f"/api/videos/{hidden}", json={"visibility": "private"}).status_code == 200
        assert hidden not in _ids(_for_you(viewer))
        assert hidden not in _ids(_for_you(maker))
        cursor = session["next_cursor"]
        while cursor:  # nor does the rest of the session begun before
            page = _for_you(viewer, cursor)
            assert hidden not in _ids(page)
            cursor = page["next_cursor"]
