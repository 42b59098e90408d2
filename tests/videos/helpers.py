from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import ApiClient


def upload(client: ApiClient, path: Path, *, caption: str = "", visibility: str = "public",
           allow_comments: str | None = None) -> httpx.Response:
    data = {"caption": caption, "visibility": visibility}
    if allow_comments is not None:  # left out, the API's default (on) holds
        data["allow_comments"] = allow_comments
    with open(path, "rb") as f:
        response: httpx.Response = client.post("/api/videos", files={"file": (path.name, f, "video/mp4")},
                                               data=data)
    return response


def upload_ready(client: ApiClient, path: Path, run_jobs: Callable[..., int], *, ladder: bool = False,
                 **kw: str) -> str:
    """Upload and make playable; the rendition ladder (slow) only when a test needs it."""
    response = upload(client, path, **kw)
    assert response.status_code == 201, response.text
    run_jobs(None if ladder else {"videos.process"})
    video_id: str = response.json()["id"]
    assert client.get(f"/api/videos/{video_id}").json()["status"] == "ready"
    return video_id
