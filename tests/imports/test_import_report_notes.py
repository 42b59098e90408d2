"""The notes of an import report belong to the import they are about, not to every later one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ApiClient
from tests.imports.cdn import fake_cdn
from tests.imports.exports import middle_layout, post, write_zip


def _import(client: ApiClient, export: Path, run_jobs: Callable[..., int]) -> dict[str, Any]:
    started = client.post("/api/imports", files={"file": (export.name, export.read_bytes(), "application/zip")},
                          data={"links": "", "drafts": "false"})
    assert started.status_code == 202, started.text
    run_jobs()
    report: dict[str, Any] = client.get(f"/api/imports/{started.json()['id']}").json()
    assert report["status"] == "done", report
    return report


def test_followers_kept_is_said_on_the_import_that_brought_them_only(
        client: ApiClient, h264_clip: Path, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    with fake_cdn({"a.mp4": h264_clip, "b.mp4": h264_clip}) as cdn:
        first = _import(client, write_zip(tmp_path / "first.zip", middle_layout(
            [post("2021-06-01 10:00:00", cdn.link("a.mp4"))], followers=["ann", "bob", "cyd"])), run_jobs)
        later = _import(client, write_zip(tmp_path / "later.zip", middle_layout(
            [post("2021-07-01 10:00:00", cdn.link("b.mp4"))])), run_jobs)
    assert first["followers_kept"] == 3
    assert later["followers_kept"] == 0  # kept still, but this import did not bring them
    assert client.get(f"/api/imports/{first['id']}").json()["followers_kept"] == 3  # its own report says so again
