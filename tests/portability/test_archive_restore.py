"""A Havre archive brought into another instance says what of the person's activity came back
(follows, likes, comments, interests) and, for the rest, why not: in the CLI's JSON and lines,
and in the import page's report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from havre.config import load_settings
from havre.portability.archive_writer import export_to_file
from havre.regions import Regions, open_regions
from havre.videos.models import Video
from tests.cli_runner import havre
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


@pytest.fixture
def archive(client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
            run_jobs: Callable[..., int], tmp_path: Path) -> Path:
    """@sam's archive: follows @lou and @cam, likes their own video and @lou's, comments on @lou's
    video and on their own, chose three interests."""
    sam_id = client.signup("sam", region="us")["id"]
    mine = upload_ready(client, h264_clip, run_jobs, caption="Premier #un")
    lou = make_client()
    lou.signup("lou", region="eu")
    lous = upload_ready(lou, h264_clip, run_jobs, caption="chez lou")
    make_client().signup("cam", region="us")
    for path in (f"/api/videos/{mine}/like", f"/api/videos/{lous}/like", "/api/users/lou/follow",
                 "/api/users/cam/follow"):
        assert client.post(path).status_code < 300, path
    for video in (lous, mine):
        assert client.post(f"/api/videos/{video}/comments", json={"body": "salut"}).status_code < 300
    assert client.put("/api/me/interests", json={"tags": ["skate", "cuisine", "chats"]}).status_code == 200
    run_jobs()
    out = tmp_path / "sam.zip"
    export_to_file(regions, sam_id, out, instance="https://a.example")
    return out


def _json(out: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(out[out.index("{"):])
    return report


def test_the_cli_report_says_what_came_back_and_why_the_rest_did_not(archive: Path, tmp_path: Path) -> None:
    data = tmp_path / "b"  # another instance: @lou is here (someone else, same handle), @cam is not
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    for handle in ("sam", "lou"):
        assert havre(data, "users", "create", "--handle", handle, "--password-file", str(password))[0] == 0
    code, out = havre(data, "import", "archive", str(archive), "--user", "sam", "--json")
    assert code == 0, out
    report = _json(out)
    assert {r["what"]: r["count"] for r in report["restored"]} == {
        "follows": 1, "likes": 1, "comments": 0, "interests": 3}  # the like of their own video, on its copy
    assert {r["reason"] for r in report["not_restored"]} == {
        "1 follow of an account that is not on this instance",
        "1 like of a video that is not on this instance",
        "1 comment on a video that is not on this instance",
        "1 comment on your own videos: shown read-only below, not posted again"}
    code, out = havre(data, "import", "archive", str(archive), "--user", "sam")  # again: nothing twice
    assert code == 0, out
    flat = " ".join(out.split())
    assert "came back: 1 follow, 1 like, 0 comments, 0 interests" in flat
    assert "not restored: 1 follow of an account that is not on this instance" in flat
    assert "not restored: 3 interests: you had already chosen yours here" in flat  # the first run's


def test_the_import_page_report_says_it_in_the_readers_language(
        archive: Path, make_client: Callable[[], ApiClient], run_jobs: Callable[..., int]) -> None:
    """The same instance: @lou's video is here, so the like comes back and the comment is said kept."""
    newcomer = make_client()
    newcomer.signup("sam2", region="eu")
    with open(archive, "rb") as f:
        started = newcomer.post("/api/imports", files={"file": ("havre-sam.zip", f, "application/zip")})
    assert started.status_code == 202, started.text
    run_jobs()
    report = newcomer.get(f"/api/imports/{started.json()['id']}").json()
    assert {r["what"]: r["count"] for r in report["restored"]} == {
        "follows": 2, "likes": 2, "comments": 0, "interests": 3}
    assert [r["what"] for r in report["not_restored"]] == ["comments", "comments"]
    assert "comments are not posted again" in report["not_restored"][0]["reason"]
    french = newcomer.get(f"/api/imports/{started.json()['id']}", headers={"Accept-Language": "fr"}).json()
    assert [r["what"] for r in french["restored"]] == ["follows", "likes", "comments", "interests"]


def test_a_draft_comes_back_a_draft_with_its_cut(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int], tmp_path: Path) -> None:
    """A restored draft stays its owner's alone (it was posted publicly before issue 23's review)."""
    sam_id = client.signup("sam", region="us")["id"]
    with open(h264_clip, "rb") as f:
        sent = client.post("/api/videos", files={"file": ("d.mp4", f, "video/mp4")},
                           data={"caption": "pas encore", "draft": "true", "trim_start_s": "0.5",
                                 "trim_end_s": "1.5"})
    assert sent.status_code == 201, sent.text
    run_jobs({"videos.process"})
    assert client.get(f"/api/videos/{sent.json()['id']}").json()["status"] == "draft"
    out = tmp_path / "sam.zip"
    export_to_file(regions, sam_id, out, instance="https://a.example")
    data = tmp_path / "b"
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    assert havre(data, "users", "create", "--handle", "sam", "--password-file", str(password))[0] == 0
    code, out_text = havre(data, "import", "archive", str(out), "--user", "sam", "--json")
    assert code == 0, out_text
    restored = open_regions(load_settings(data_dir=data))
    try:
        with restored.default.session() as s:
            (video,) = s.query(Video).all()
            assert video.draft and video.status != "ready", (video.draft, video.status)
            assert (video.trim_start_s, video.trim_end_s) == (0.5, 1.5)
    finally:
        restored.close()
