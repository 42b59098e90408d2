"""The CLI around an instance: the links it prints name where the instance is served, a taken
port is said plainly, and the commands that may start an instance on an empty data dir agree."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.cli_runner import havre
from tests.conftest import free_port


@pytest.fixture
def password(tmp_path: Path) -> Path:
    path = tmp_path / "pw"
    path.write_text("a long enough password\n")
    return path


@pytest.fixture
def archive(tmp_path: Path, password: Path, h264_clip: Path) -> Path:
    """@lea's archive, with one video, from an instance of its own."""
    data, out = tmp_path / "a", tmp_path / "lea.zip"
    assert havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))[0] == 0
    code, text = havre(data, "videos", "upload", str(h264_clip), "--user", "lea", "--caption", "Salut")
    assert code == 0, text
    assert havre(data, "export", "--user", "lea", "--out", str(out))[0] == 0
    return out


def _json(out: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(out[out.index("{"):])
    return report


def test_cli_links_name_where_the_instance_is_served(tmp_path: Path, password: Path, archive: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data, port = tmp_path / "b", free_port()
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # bound, then back at once
    code, out = havre(data, "serve", "--host", "0.0.0.0", "--port", str(port))
    assert code == 0, out
    assert havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))[0] == 0
    code, out = havre(data, "import", "archive", str(archive), "--user", "lea", "--json")
    assert code == 0, out
    [video] = _json(out)["imported"]
    assert video["url"].startswith(f"http://127.0.0.1:{port}/v/")  # not 127.0.0.1:8000
    config = tmp_path / "havre.toml"  # a configured public address wins over the one served
    config.write_text('base_url = "https://havre.example"\n')
    monkeypatch.setenv("HAVRE_CONFIG", str(config))
    code, out = havre(data, "import", "archive", str(archive), "--user", "lea", "--json")
    assert code == 0, out
    [again] = _json(out)["skipped"]
    assert again["url"].startswith("https://havre.example/v/")


def test_serve_on_a_taken_port_says_so_and_how_to_pick_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HAVRE_")}
        done = subprocess.run([sys.executable, "-m", "havre", "serve", "--port", str(port), "--data-dir",
                               str(tmp_path / "data")], env=env, capture_output=True, text=True, timeout=60)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 69, said  # sysexits' EX_UNAVAILABLE
    assert f"port {port} is taken (by another program); pick another with --port N" in said
    assert "Errno" not in said and "startup complete" not in said


def test_users_create_and_import_archive_agree_on_an_empty_data_dir(tmp_path: Path, password: Path,
                                                                     archive: Path) -> None:
    """Both create the instance when they can finish (and say so); without an account to import
    into, `import archive` creates nothing and names the command that makes one."""
    empty = tmp_path / "empty"
    code, out = havre(empty, "import", "archive", str(archive), "--user", "lea")
    flat = " ".join(out.split())
    assert code == 1 and "havre users create --handle lea --password-file FILE" in flat, flat
    assert not (empty / "regions.json").exists()  # nothing written
    code, out = havre(empty, "users", "create", "--handle", "sam", "--password-file", str(password))
    assert code == 0 and f"created a new Havre instance in {empty}" in " ".join(out.split()), out
    code, out = havre(empty, "import", "archive", str(archive), "--user", "lea")  # the instance, not the account
    assert code == 1 and "There is no @lea on this instance; create it first" in " ".join(out.split()), out

    fresh = tmp_path / "fresh"
    code, out = havre(fresh, "import", "archive", str(archive), "--user", "lea", "--password-file", str(password))
    flat = " ".join(out.split())
    assert code == 0, flat
    assert f"created a new Havre instance in {fresh}" in flat and "created the account @lea" in flat
    assert "videos: 1 imported" in flat
