from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from havre.cli import app
from havre.db.migrate import head_revision

runner = CliRunner()


def havre(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data)])
    return result.exit_code, result.output


def test_db_users_and_videos_commands(tmp_path: Path, h264_clip: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "db", "upgrade")
    assert code == 0 and f"at revision {head_revision()}" in out
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))
    assert code == 0 and out.strip()
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))
    assert code == 1 and "taken" in out

    code, out = havre(data, "videos", "upload", str(h264_clip), "--user", "lea", "--caption", "Hello #World",
                      "--json")
    assert code == 0, out
    created = json.loads(out[out.index("{"):])
    assert created["status"] == "ready" and created["id"]

    code, out = havre(data, "videos", "show", created["id"], "--json")
    shown = json.loads(out)
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
