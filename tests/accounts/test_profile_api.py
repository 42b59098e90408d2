from __future__ import annotations

import subprocess
from pathlib import Path

import av

from havre.media.ffmpeg import ffmpeg_path
from tests.conftest import ApiClient


def _png_with_gps(path: Path) -> Path:
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=400x300",
                    "-frames:v", "1", "-metadata", "location=+48.85+002.29/", str(path)], check=True)
    return path


def test_profile_edit_and_avatar_is_normalized(client: ApiClient, tmp_path: Path) -> None:
    client.signup("lea")
    me = client.patch("/api/me", json={"display_name": "Léa en cuisine", "bio": "Recettes"}).json()
    assert me["display_name"] == "Léa en cuisine" and me["bio"] == "Recettes"
    assert client.patch("/api/me", json={"display_name": ""}).status_code == 400
    png = _png_with_gps(tmp_path / "me.png")
    with open(png, "rb") as f:
        me = client.post("/api/me/avatar", files={"avatar": ("me.png", f, "image/png")}).json()
    picture = client.get_media(me["avatar_url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    out = tmp_path / "got.jpg"
    out.write_bytes(picture.content)
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0))
        assert (frame.width, frame.height) == (256, 256) and "location" not in c.metadata


def test_bad_avatar_files_are_refused(client: ApiClient) -> None:
    client.signup("lea")
    for name, data in [("a.png", b"\x89PNG\r\n\x1a\n" + b"broken" * 10), ("a.svg", b"<svg></svg>")]:
        response = client.post("/api/me/avatar", files={"avatar": (name, data, "image/png")})
        assert response.status_code == 400 and response.json()["field"] == "avatar"
    assert client.get("/api/me").json()["avatar_url"] is None


def test_openapi_document_lists_the_api(client: ApiClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/videos", "/api/feed/foryou", "/api/videos/{video_id}/like", "/api/auth/login"} <= set(paths)
