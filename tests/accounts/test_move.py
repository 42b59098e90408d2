"""`havre users move`: a creator changes jurisdiction; everything comes along, nothing stays."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from havre.accounts.models import User
from havre.cli import app as cli
from havre.config import Settings
from havre.db.ownership import owned_tables
from havre.errors import HavreError
from havre.portability.deletion import schedule_deletion
from havre.portability.move import MoveError, move_user
from havre.portability.move_requests import request_move
from havre.portability.residency import audit_residency
from havre.portability.tables import metadata
from havre.regions import Regions
from havre.regions.audit import AuditEntry, entries_about, record, verify_chain
from tests.cli_runner import havre_on
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready

PASSWORD = "correct horse battery"


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


def _signup(client: ApiClient, handle: str, region: str) -> str:
    response = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD, "region": region})
    assert response.status_code == 201, response.text
    user_id: str = response.json()["id"]
    return user_id


def _rows_of(regions: Regions, region: str, user_id: str) -> int:
    """Rows of a region that name the user: every table they own rows of, as each declares it
    (sessions apart: a move ends them)."""
    total = 0
    with regions.get(region).session() as s:
        for table, owned in owned_tables(metadata, on_move=("copy", "audit")):
            if owned.via == "user":
                total += s.scalar(select(func.count()).select_from(table)
                                  .where(table.c[owned.column] == user_id)) or 0
    return total


def _creator_with_a_life(client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
                         run_jobs: Callable[..., int]) -> tuple[str, list[str], ApiClient]:
    sam = _signup(client, "sam", "us")
    videos = [upload_ready(client, h264_clip, run_jobs, caption="Premier #un", ladder=True),
              upload_ready(client, h264_clip, run_jobs, caption="Privé", visibility="private")]
    neighbour = make_client()
    _signup(neighbour, "lou", "us")
    client.post(f"/api/videos/{videos[0]}/like")
    client.post(f"/api/videos/{videos[0]}/comments", json={"body": "my own video"})
    client.post("/api/users/lou/follow")
    client.post(f"/api/videos/{videos[0]}/views", json={"watch_ms": 2000})
    fan = make_client()
    _signup(fan, "camille", "eu")
    fan.post(f"/api/videos/{videos[0]}/like")
    fan.post(f"/api/videos/{videos[0]}/comments", json={"body": "Bravo"})
    fan.post("/api/users/sam/follow")
    run_jobs()
    with regions.get("us").session() as s:  # an operator looked at sam's data once
        record(s, actor="operator:ana", action="operator.read", purpose="support", subject_user_id=sam)
        s.commit()
    return sam, videos, fan


def test_moving_a_creator_brings_everything_and_leaves_nothing(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    sam, videos, fan = _creator_with_a_life(client, make_client, regions, h264_clip, run_jobs)
    before = client.get(f"/api/videos/{videos[0]}").json()
    rows_before = _rows_of(regions, "us", sam)
    with regions.get("us").session() as s:  # the operator's read, and eu's reads of sam's videos
        history = len(entries_about(s, sam))
    files_before = sorted(k for k in regions.get("us").blobs.keys() if any(v in k for v in videos))

    report = move_user(regions, "sam", "eu")

    assert report.resumed is False and report.files == len(files_before) and report.history_entries == history > 1
    assert regions.directory.region_of_handle("sam") == "eu"
    assert all(regions.directory.region_of_video(v) == "eu" for v in videos)
    assert _rows_of(regions, "us", sam) == 0
    with regions.get("us").session() as s:  # logged out everywhere
        sessions = metadata.tables["auth_sessions"]
        assert s.scalar(select(func.count()).select_from(sessions).where(sessions.c.user_id == sam)) == 0
    assert not any(v in k for k in regions.get("us").blobs.keys() for v in videos)
    assert sorted(k for k in regions.get("eu").blobs.keys() if any(v in k for v in videos)) == files_before
    assert _rows_of(regions, "eu", sam) == rows_before  # the operator-read entry became a history entry
    with regions.get("us").session() as s:
        assert verify_chain(s) == [] and entries_about(s, sam) == []
        assert sam not in str([e.details for e in s.scalars(select(AuditEntry))])
    with regions.get("eu").session() as s:
        moved_in = [e for e in entries_about(s, sam) if e.action == "history.moved_in"]
        assert len(moved_in) == history and verify_chain(s) == []

    # Logged out by the move; logs back in at the new home, with everything there.
    assert client.get("/api/me").status_code == 401
    login = client.post("/api/auth/login", json={"handle": "sam", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["home_region"] == "eu"
    assert len(client.get("/api/users/sam/videos").json()["items"]) == 2  # the private one too: it's theirs
    after = client.get(f"/api/videos/{videos[0]}").json()
    for key in ("like_count", "comment_count", "view_count", "caption", "hashtags", "posted_at", "liked_by_me"):
        assert after[key] == before[key], key
    assert client.get_media(after["hls_url"]).status_code == 200
    assert client.get_media(after["mp4_url"]).status_code == 200
    # The fan's like and comment stayed with the fan, and still show.
    seen_by_fan = fan.get(f"/api/videos/{videos[0]}").json()
    assert seen_by_fan["liked_by_me"] and seen_by_fan["following_owner"]
    assert {c["body"] for c in fan.get(f"/api/videos/{videos[0]}/comments").json()["items"]} == {
        "Bravo", "my own video"}
    residency = audit_residency(settings, regions)
    assert residency.ok, residency.as_dict()


def test_an_interrupted_move_resumes_and_nothing_is_doubled_or_lost(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    sam, videos, _ = _creator_with_a_life(client, make_client, regions, h264_clip, run_jobs)
    rows_before = _rows_of(regions, "us", sam)
    copied: list[str] = []

    def crash_after_two(key: str) -> None:
        copied.append(key)
        if len(copied) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the files

    with pytest.raises(KeyboardInterrupt):
        move_user(regions, "sam", "eu", on_file=crash_after_two)
    assert regions.directory.region_of_handle("sam") == "us"  # not switched: us still serves sam
    refused = client.post("/api/auth/login", json={"handle": "sam", "password": PASSWORD})
    assert refused.status_code == 400 and "moving" in refused.json()["detail"]
    with pytest.raises(HavreError, match="already moving to eu"):
        move_user(regions, "sam", "us")

    report = move_user(regions, "sam", "eu")
    assert report.resumed is True
    assert _rows_of(regions, "us", sam) == 0 and _rows_of(regions, "eu", sam) == rows_before
    assert report.bytes_copied < sum(regions.get("eu").blobs.size(k) for k in regions.get("eu").blobs.keys()
                                     if any(v in k for v in videos))  # the first two files were not copied again
    assert client.post("/api/auth/login", json={"handle": "sam", "password": PASSWORD}).status_code == 200
    residency = audit_residency(settings, regions)
    assert residency.ok, residency.as_dict()


def test_moves_that_make_no_sense_are_refused(client: ApiClient, regions: Regions) -> None:
    _signup(client, "sam", "us")
    with pytest.raises(HavreError, match="already lives in us"):
        move_user(regions, "sam", "us")
    with pytest.raises(LookupError, match="unknown region 'mars'"):
        move_user(regions, "sam", "mars")
    with pytest.raises(HavreError, match="no @nobody"):
        move_user(regions, "nobody", "eu")


def test_the_cli_moves_and_reports(client: ApiClient, settings: Settings, regions: Regions, h264_clip: Path,
                                   run_jobs: Callable[..., int]) -> None:
    _signup(client, "sam", "us")
    upload_ready(client, h264_clip, run_jobs)
    lines = [f'directory_url = "{settings.directory_url}"']
    for r in settings.regions:
        lines += [f"[regions.{r.name}]", f'database_url = "{r.database_url}"', f'blob_url = "{r.blob_url}"']
    config = settings.data_dir.parent / "havre.toml"
    config.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    args = ["users", "move", "sam", "--to", "eu", "--json", "--data-dir", str(settings.data_dir)]
    result = runner.invoke(cli, args, env={"HAVRE_CONFIG": str(config), "HAVRE_REGIONS": ""})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["from"] == "us" and report["to"] == "eu" and report["rows"]["videos"] == 1
    again = runner.invoke(cli, args, env={"HAVRE_CONFIG": str(config), "HAVRE_REGIONS": ""})
    assert again.exit_code == 1 and "already lives in eu" in again.output


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    code, output = havre_on(settings, *args)
    return code, " ".join(output.split())  # as one line: the console wraps long ones


def test_an_account_whose_deletion_is_pending_does_not_move_until_it_is_cancelled(
        client: ApiClient, settings: Settings, regions: Regions) -> None:
    sam = _signup(client, "sam", "us")
    schedule_deletion(regions, sam, grace=timedelta(days=14))
    with pytest.raises(MoveError, match="to be deleted after .* cancel-deletion sam"):
        move_user(regions, "sam", "eu")
    code, out = _cli(settings, "users", "move", "sam", "--to", "eu")
    assert code == 1 and "cannot move" in out and "havre users cancel-deletion sam" in out
    assert regions.directory.region_of_handle("sam") == "us" and regions.directory.pending_move(sam) is None

    code, out = _cli(settings, "users", "cancel-deletion", "sam", "--json")
    assert code == 0 and json.loads(out) == {"handle": "sam", "cancelled": True}
    code, out = _cli(settings, "users", "cancel-deletion", "sam")
    assert code == 0 and "nothing changed" in out
    code, out = _cli(settings, "users", "move", "sam", "--to", "eu")
    assert code == 0, out
    assert regions.directory.region_of_handle("sam") == "eu"

    schedule_deletion(regions, sam, grace=timedelta(0))  # over: being deleted, nothing cancels it
    with pytest.raises(MoveError, match="being deleted"):
        move_user(regions, "sam", "us")
    code, out = _cli(settings, "users", "cancel-deletion", "sam")
    assert code == 1 and "cannot be cancelled" in out


def test_a_move_asked_in_settings_is_not_made_once_the_deletion_is_asked(
        client: ApiClient, regions: Regions, run_jobs: Callable[..., int]) -> None:
    sam = _signup(client, "sam", "us")
    started = client.post("/api/me/move", json={"region": "eu", "password": PASSWORD})
    assert started.status_code == 202, started.text
    # Before the move's job runs, sam asks (in another tab) to delete the account.
    assert client.post("/api/me/deletion", json={"password": PASSWORD}).status_code == 202
    run_jobs()
    assert regions.directory.region_of_handle("sam") == "us" and regions.directory.pending_move(sam) is None
    status = client.get(started.json()["status_url"]).json()
    assert status["state"] == "failed" and "Log in" in status["error"]
    with regions.get("us").session() as s:
        user = s.get(User, sam)
        assert user is not None and user.delete_after is not None  # the deletion stands
        s.expunge(user)
    with pytest.raises(MoveError, match="to be deleted") as refused:  # and a new request is refused
        request_move(regions, user, target="eu", password=PASSWORD, client="127.0.0.1")
    assert "Signing in again cancels" in refused.value.template
