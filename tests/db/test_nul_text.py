"""Text holding a NUL character is bad input on every database: a 400 naming the problem, never a
500 (PostgreSQL can neither store nor compare such text) and never stored (SQLite could)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload_ready


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_text_with_a_nul_is_refused_and_nothing_is_stored(client: ApiClient, h264_clip: Path,
                                                          run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    video = upload_ready(client, h264_clip, run_jobs, caption="Crêpes #recette")
    tries = [
        ("PATCH", "/api/me", {"json": {"bio": "a\x00b"}}),
        ("PATCH", "/api/me", {"json": {"display_name": "a\x00b"}}),
        ("POST", f"/api/videos/{video}/comments", {"json": {"body": "a\x00b"}}),
        ("PATCH", f"/api/videos/{video}", {"json": {"caption": "a\x00b #tag"}}),
        ("POST", "/api/imports", {"data": {"links": "https://www.tiktok.com/@lea/video/7100000000000000001\x00"}}),
        ("GET", f"/api/feed/tag/recette?cursor={_cursor('2026-01-01T00:00:00+00:00|a' + chr(0))}", {}),
        ("POST", "/api/auth/login", {"json": {"handle": "lea\x00", "password": PASSWORD}}),
    ]
    for method, url, body in tries:
        response = client.request(method, url, **body)
        assert response.status_code == 400, (method, url, response.text)
        assert "NUL character" in response.json()["detail"]
    me = client.get("/api/me").json()
    assert (me["display_name"], me["bio"]) == ("lea", "")
    shown = client.get(f"/api/videos/{video}").json()
    assert (shown["caption"], shown["comment_count"]) == ("Crêpes #recette", 0)


def test_a_feed_cursor_without_a_time_zone_is_malformed_not_a_server_error(client: ApiClient) -> None:
    # Havre's cursors carry UTC times; a hand-made one with a naive time cannot be compared with them.
    response = client.get(f"/api/feed/tag/recette?cursor={_cursor('2026-01-01T00:00:00|abc')}")
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
