from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from havre.accounts.models import Follow
from havre.app import create_app
from havre.cli import app
from havre.config import Settings, load_settings
from havre.db.migrate import head_revision
from havre.regions import open_regions
from tests.cli_runner import havre, plain_environment, runner  # noqa: F401  (plain_environment: autouse)
from tests.conftest import ApiClient


def test_db_users_and_videos_commands(tmp_path: Path, h264_clip: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "db", "upgrade")
    assert code == 0 and f"at revision {head_revision()}" in out
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", str(password), "--json")
    assert code == 0, out
    user = json.loads(out)
    code, out = havre(data, "users", "show", "lea", "--json")
    assert code == 0 and json.loads(out) == user  # one serializer for both
    assert user["handle"] == "lea" and user["home_region"] == "local" and user["video_count"] == 0
    code, out = havre(data, "users", "create", "--handle", "sam", "--password-file", str(password))
    assert code == 0 and len(out.split()) == 1  # without --json: the bare id, for scripts
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))
    assert code == 1 and "taken" in out

    code, out = havre(data, "videos", "upload", str(h264_clip), "--user", "lea", "--caption", "Hello #World",
                      "--json")
    assert code == 0, out
    created = json.loads(out[out.index("{"):])
    assert created["status"] == "ready" and created["id"]

    code, out = havre(data, "videos", "show", created["id"], "--json")
    shown = json.loads(out)
    assert created == shown  # upload --json prints the same object as show --json
    assert shown["owner"] == "lea" and shown["hashtags"] == ["world"] and shown["caption"] == "Hello #World"
    assert shown["width"] == 360 and shown["height"] == 640 and shown["duration_s"] > 1.5
    assert shown["hls_url"].endswith("master.m3u8") and shown["renditions"]
    assert all(r["mp4_url"] and r["height"] > r["width"] for r in shown["renditions"])

    code, out = havre(data, "videos", "list", "--user", "lea", "--json")
    assert [v["id"] for v in json.loads(out)] == [created["id"]]


def test_cli_errors_name_the_problem(tmp_path: Path) -> None:
    data = tmp_path / "data"
    havre(data, "db", "upgrade")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"garbage" * 50)
    code, out = havre(data, "videos", "upload", str(junk), "--user", "ghost")
    assert code == 1 and "no @ghost" in out
    code, out = havre(data, "users", "create", "--handle", "x y", "--password-file", str(tmp_path / "none"))
    assert code == 1 and "missing or empty" in out
    code, out = havre(data, "videos", "show", "nope", "--json")
    assert code == 1 and "no video" in out



def test_share_links_use_the_port_served_unless_a_public_url_is_set(
        tmp_path: Path, h264_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Settings] = []
    monkeypatch.setattr("havre.commands.serve_http", lambda settings, **kw: served.append(settings))
    data = tmp_path / "data"
    assert havre(data, "serve", "--host", "0.0.0.0", "--port", "8123")[0] == 0
    assert served[-1].base_url == "http://127.0.0.1:8123"
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))
    code, out = havre(data, "videos", "upload", str(h264_clip), "--user", "lea", "--json")
    video_id = json.loads(out[out.index("{"):])["id"]
    with ApiClient(create_app(served[-1])) as browser:
        page = browser.get(f"/v/{video_id}").text
    assert f'<meta property="og:url" content="http://127.0.0.1:8123/v/{video_id}">' in page
    assert 'og:video" content="http://127.0.0.1:8123/media/v/' in page

    monkeypatch.setenv("HAVRE_BASE_URL", "https://havre.example")
    assert havre(data, "serve", "--port", "8123")[0] == 0
    assert served[-1].base_url == "https://havre.example" and served[-1].secure_cookies


def test_the_demo_declares_two_regions_and_its_account_follows_creators_in_both(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "demo", "--count", "2", "--no-serve")
    assert code == 0, out
    assert "making them playable" in out and "2/2" in out  # progress, even without a terminal
    code, out = havre(data, "regions", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["eu", "us"]
    code, out = havre(data, "videos", "list", "--user", "lea.cuisine", "--json")  # no --regions needed
    assert code == 0 and len(json.loads(out)) == 1
    code, out = havre(data, "users", "show", "demo", "--json")
    demo = json.loads(out)
    assert demo["following_count"] >= 2
    regions = open_regions(load_settings(data_dir=data))
    try:
        home = regions.get(demo["home_region"])
        with home.session() as s:
            followees = list(s.scalars(select(Follow.followee_id).where(Follow.follower_id == demo["id"])))
        assert {regions.home_of_user(user_id).name for user_id in followees} == {"eu", "us"}  # type: ignore[union-attr]
    finally:
        regions.close()


def test_users_has_the_deletion_commands_with_help() -> None:
    listed = runner.invoke(app, ["users", "--help"])
    assert listed.exit_code == 0 and "audit-deletion" in listed.output and "cancel-deletion" in listed.output
    for verb, option in (("audit-deletion", "--canary"), ("cancel-deletion", "--json")):
        shown = runner.invoke(app, ["users", verb, "--help"])
        assert shown.exit_code == 0 and option in shown.output, shown.output
