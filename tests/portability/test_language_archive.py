"""The language chosen in Settings travels in "Download my data" and comes back with its import."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from havre.accounts.models import User
from havre.imports.havre_archive import SECTIONS
from havre.portability.archive_writer import export_to_file
from havre.regions import Regions
from tests.conftest import ApiClient


def _language(regions: Regions, handle: str) -> str | None:
    with regions.default.session() as s:
        return s.scalar(select(User.language).where(User.handle == handle))


def _import(client: ApiClient, archive: Path, run_jobs: Callable[..., int]) -> None:
    with open(archive, "rb") as f:
        started = client.post("/api/imports", files={"file": ("havre.zip", f, "application/zip")})
    assert started.status_code == 202, started.text
    run_jobs()


def test_the_language_is_exported_and_restored_unless_chosen_here(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions,
        run_jobs: Callable[..., int], tmp_path: Path) -> None:
    user_id = client.signup("sam")["id"]
    client.post("/settings/language", data={"language": "fr", "next": "/"})
    archive = tmp_path / "sam.zip"
    export_to_file(regions, user_id, archive, instance="https://a.example")
    with zipfile.ZipFile(archive) as z:
        assert json.loads(z.read("data/users.json"))[0]["language"] == "fr"
    newcomer = make_client()
    newcomer.signup("sam2")
    _import(newcomer, archive, run_jobs)
    assert _language(regions, "sam2") == "fr"
    chooser = make_client()
    chooser.signup("sam3")
    chooser.post("/settings/language", data={"language": "en", "next": "/"})
    _import(chooser, archive, run_jobs)
    assert _language(regions, "sam3") == "en"  # chosen here: kept


def test_an_archive_written_before_the_language_is_still_read() -> None:
    record = {"id": "u1", "handle": "sam", "display_name": "Sam", "bio": "", "avatar_key": None,
              "home_region": "us", "follower_count": 0, "following_count": 0,
              "created_at": "2026-01-01T00:00:00+00:00", "delete_after": None}
    assert list(SECTIONS["users"].iter_errors(record)) == []
    assert list(SECTIONS["users"].iter_errors({**record, "language": "fr"})) == []
    assert list(SECTIONS["users"].iter_errors({**record, "language": "x" * 9}))  # longer than the column
