"""`havre export` and `havre import archive`, as an operator runs them: one instance out, another in."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.cli_runner import havre, plain_environment  # noqa: F401  (plain_environment: autouse)


def test_export_from_one_instance_and_import_into_another(tmp_path: Path, h264_clip: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    a, b = tmp_path / "a", tmp_path / "b"
    for data in (a, b):
        assert havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))[0] == 0
    code, out = havre(a, "videos", "upload", str(h264_clip), "--user", "lea", "--caption", "Salut #monde")
    assert code == 0, out
    archive = tmp_path / "lea.zip"
    code, out = havre(a, "export", "--user", "lea", "--out", str(archive), "--json")
    assert code == 0, out
    written = json.loads(out[out.index("{"):])
    assert written["counts"]["videos"] == 1 and written["size"] == archive.stat().st_size
    with zipfile.ZipFile(archive) as zf:
        assert json.loads(zf.read("manifest.json"))["user"]["handle"] == "lea"
    code, out = havre(b, "import", "archive", str(archive), "--user", "lea", "--json")
    assert code == 0, out
    report = json.loads(out[out.index("{"):])
    assert report["status"] == "done" and len(report["imported"]) == 1
    code, out = havre(b, "jobs", "run")
    assert code == 0, out
    code, out = havre(b, "users", "show", "lea", "--json")
    assert json.loads(out)["video_count"] == 1


def test_a_damaged_archive_is_refused_with_the_reason(tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    data = tmp_path / "data"
    assert havre(data, "users", "create", "--handle", "lea", "--password-file", str(password))[0] == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    code, out = havre(data, "import", "archive", str(bad), "--user", "lea")
    assert code == 1 and "not a readable zip" in out
    code, out = havre(data, "export", "--user", "nobody", "--out", str(tmp_path / "x.zip"))
    assert code == 1 and "nobody" in out and not (tmp_path / "x.zip").exists()
