"""Media paths that try to climb out of a video's folder find nothing (404), never a server error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready

CLIMBING = (
    "%2e%2e/%2e%2e/originals/x.mp4",  # decoded to ".." by the router
    "..%2f..%2foriginals%2fx.mp4",
    "hls/%2e%2e/poster.jpg",
    "a%5c..%5cposter.jpg",  # backslashes, encoded or not
    "%2e%2e%5c%2e%2e%5cx.mp4",
    "a\\b.mp4",
)


def test_climbing_media_paths_are_not_found(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = upload_ready(client, h264_clip, run_jobs)
    assert client.get_media(client.get(f"/api/videos/{vid}").json()["poster_url"]).status_code == 200
    for path in CLIMBING:
        response = client.get(f"/media/v/{vid}/{path}", headers={"Accept": "application/json"})
        assert (response.status_code, response.json()) == (404, {"detail": "No such media file."}), path
