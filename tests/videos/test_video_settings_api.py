"""What a creator sets when posting and editing: comments on or off, a caption up to 2,200 characters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import ApiClient
from tests.videos.helpers import upload, upload_ready


def _allow_comments(client: ApiClient, video_id: str) -> bool:
    allowed: bool = client.get(f"/api/videos/{video_id}").json()["allow_comments"]
    return allowed


def test_upload_takes_the_comments_setting_as_the_upload_form_sends_it(
        client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    assert _allow_comments(client, upload_ready(client, h264_clip, run_jobs)) is True  # left out: on
    assert _allow_comments(client, upload_ready(client, h264_clip, run_jobs, allow_comments="false")) is False
    # The page's form: a hidden "false", then the box's "true" only when it is ticked.
    for sent, expected in ((["false", "true"], True), (["false"], False)):
        with open(h264_clip, "rb") as f:
            response = client.post("/api/videos", files=[("file", (h264_clip.name, f, "video/mp4")),
                                                         *[("allow_comments", (None, v)) for v in sent]])
        assert response.status_code == 201, response.text
        assert _allow_comments(client, response.json()["id"]) is expected


def test_captions_are_held_to_2200_characters_on_upload_and_edit(
        client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    longest = "é" * 2199 + "#"  # characters, not bytes: 2,200 is TikTok's limit too
    vid = upload_ready(client, h264_clip, run_jobs, caption=longest)
    assert client.get(f"/api/videos/{vid}").json()["caption"] == longest
    refused = upload(client, h264_clip, caption=longest + "x")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Captions are at most 2200 characters.", "field": "caption"}
    edited = client.patch(f"/api/videos/{vid}", json={"caption": "x" * 2201}, headers={"Accept-Language": "fr"})
    assert edited.status_code == 400 and edited.json()["field"] == "caption"
    assert "2200" in edited.json()["detail"]
    assert client.get(f"/api/videos/{vid}").json()["caption"] == longest
