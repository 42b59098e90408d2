from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import ApiClient


def upload(client: ApiClient, path: Path, *, caption: str = "", visibility: str = "public"):  # type: ignore[no-untyped-def]
    with open(path, "rb") as f:
        return client.post("/api/videos", files={"file": (path.name, f, "video/mp4")},
                           data={"caption": caption, "visibility": visibility})


def upload_ready(client: ApiClient, path: Path, run_jobs: Callable[..., int], *, ladder: bool = False,
                 **kw: str) -> str:
    """Upload and make playable; the rendition ladder (slow) only when a test needs it."""
    response = upload(client, path, **kw)
    assert response.status_code == 201, response.text
    run_jobs(None if ladder else {"media.process"})
    video_id = response.json()["id"]
    assert client.get(f"/api/videos/{video_id}").json()["status"] == "ready"
    return video_id
