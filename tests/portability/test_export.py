"""Leave with everything: an archive from one instance, imported into a fresh one, exported again,
holds the same records and the same originals, bit for bit. Bad archives write nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from havre.accounts import signin
from havre.blobs import keys
from havre.config import Settings
from havre.db.migrate import upgrade
from havre.db.ownership import owned_tables
from havre.imports.havre_archive import ArchiveError, verify
from havre.imports.models import ImportRun
from havre.portability import archive_writer
from havre.portability.archive_import import import_archive
from havre.portability.archive_writer import export_to_file
from havre.portability.tables import metadata
from havre.regions import Regions, open_regions
from havre.regions.declared import record
from havre.videos import service as videos
from havre.videos.models import Video
from havre.workers.runner import JobRunner
from tests.conftest import PASSWORD, ApiClient, instance_settings
from tests.videos.helpers import upload_ready

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n"


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


@pytest.fixture
def sam(client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> tuple[str, list[str]]:
    """@sam (us): two videos (one imported from TikTok with subtitles), comments both ways across
    regions, likes, follows both ways, two chosen interests."""
    sam_id = client.signup("sam", region="us")["id"]
    first = upload_ready(client, h264_clip, run_jobs, caption="Premier #un")
    second = upload_ready(client, h264_clip, run_jobs, caption="Second", visibility="followers")
    us = regions.get("us")
    with us.session() as s:
        video = s.get(Video, first)
        assert video is not None
        videos.apply_imported(us, video, videos.ImportedFacts(
            posted_at=datetime(2021, 5, 4, 12, 0, tzinfo=UTC), tiktok_id="7000000000000000001",
            sound_title="original sound - sam", legacy_counts={"likes": 1200, "views": 50000}, subtitles={"fr": VTT}))
        s.commit()
    lou = make_client()
    lou.signup("lou", region="eu")
    lou_video = upload_ready(lou, h264_clip, run_jobs, caption="chez lou")
    client.post(f"/api/videos/{lou_video}/like")
    client.post(f"/api/videos/{lou_video}/comments", json={"body": "sam was here"})
    client.post("/api/users/lou/follow")
    lou.post(f"/api/videos/{first}/comments", json={"body": "Bravo sam"})
    lou.post(f"/api/videos/{first}/like")
    lou.post("/api/users/sam/follow")
    client.post(f"/api/videos/{first}/comments", json={"body": "merci"})
    assert client.put("/api/me/interests", json={"tags": ["skate", "cuisine"]}).status_code == 200
    run_jobs()
    return sam_id, [first, second]


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        manifest: dict[str, Any] = json.loads(zf.read("manifest.json"))
        return manifest


def _section(path: Path, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as zf:
        rows: list[dict[str, Any]] = json.loads(zf.read(f"data/{name}.json"))
        return rows


@pytest.fixture
def instance_b(tmp_path: Path) -> Iterator[tuple[Settings, Regions]]:
    """A second, fresh instance (embedded) with accounts @sam and @lou."""
    with instance_settings(tmp_path / "b", ("local",), None) as settings:
        record(settings)
        regions = open_regions(settings)
        for region in regions:
            upgrade(region.engine)
        for handle in ("sam", "lou"):
            signin.sign_up(regions, handle=handle, password=PASSWORD, open_session=False)
        yield settings, regions
        regions.close()


def test_an_archive_holds_every_record_and_file_with_its_hash(sam: tuple[str, list[str]], regions: Regions,
                                                                 settings: Settings, tmp_path: Path) -> None:
    sam_id, (first, second) = sam
    out = tmp_path / "sam.zip"
    report = export_to_file(regions, sam_id, out, instance="https://a.example")
    manifest = _manifest(out)
    assert manifest["format"] == "havre-export" and manifest["version"] == 1
    assert manifest["user"] == {"id": sam_id, "handle": "sam", "home_region": "us"}
    assert manifest["counts"] == report.counts
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        for entry in manifest["files"]:  # every file listed with its true size and hash, and nothing else
            data = zf.read(entry["path"])
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
        assert names == {e["path"] for e in manifest["files"]} | {"manifest.json"}
    assert manifest["counts"]["videos"] == 2 and manifest["counts"]["likes"] == 1
    assert {c["body"] for c in _section(out, "comments")} == {"sam was here", "merci"}
    assert {c["body"] for c in _section(out, "comments_on_my_videos")} == {"Bravo sam", "merci"}
    assert [f["handle"] for f in _section(out, "followers")] == ["lou"]
    assert [f["handle"] for f in _section(out, "following")] == ["lou"]
    assert _section(out, "auth_sessions") and all("token_hash" not in r for r in _section(out, "auth_sessions"))
    assert all("password_hash" not in r for r in _section(out, "users"))
    with regions.get("us").session() as s:
        originals = {v.id: v.original_sha256 for v in s.scalars(select(Video).where(Video.owner_id == sam_id))}
    hashes = {e["path"].split("/")[2]: e["sha256"] for e in manifest["files"] if "/original" in e["path"]}
    assert hashes == originals
    assert any(e["path"] == f"files/videos/{first}/subtitles/fr.vtt" for e in manifest["files"])
    # The reads of other regions (lou's comment and follow live in eu) are in the audit about sam's data.
    assert any(e["from_region"] == "eu" for e in _section(out, "audit"))


def test_round_trip_into_a_fresh_instance_and_out_again(sam: tuple[str, list[str]], regions: Regions,
                                                        instance_b: tuple[Settings, Regions], tmp_path: Path) -> None:
    sam_id, (first, _) = sam
    out_a = tmp_path / "a.zip"
    export_to_file(regions, sam_id, out_a, instance="https://a.example")
    settings_b, regions_b = instance_b
    run = import_archive(regions_b, settings_b, handle="sam", path=out_a)
    assert run.status == "done"
    JobRunner(regions=regions_b, settings=settings_b).drain()
    again = import_archive(regions_b, settings_b, handle="sam", path=out_a)  # exactly once: all already here
    with regions_b.default.session() as s:
        assert s.scalar(select(func.count()).select_from(Video)) == 2
        from havre.imports.models import ImportItem
        assert {i.status for i in s.scalars(select(ImportItem).where(ImportItem.run_id == again.id))} == {"skipped"}
    sam_b = regions_b.directory.user_id_of_handle("sam")
    assert sam_b is not None
    out_b = tmp_path / "b.zip"
    export_to_file(regions_b, sam_b, out_b, instance="https://b.example")
    a, b = _manifest(out_a), _manifest(out_b)
    for section in ("videos", "video_hashtags", "following", "interests"):
        assert a["counts"][section] == b["counts"][section], section
    assert sorted(r["tag"] for r in _section(out_b, "interests")) == ["cuisine", "skate"]  # the choices came back
    shas = [sorted(e["sha256"] for e in m["files"] if "/original" in e["path"]) for m in (a, b)]
    assert shas[0] == shas[1] and len(shas[0]) == 2
    subtitles = [sorted(e["sha256"] for e in m["files"] if "/subtitles/" in e["path"]) for m in (a, b)]
    assert subtitles[0] == subtitles[1] and len(subtitles[0]) == 1

    def facts(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((r["caption"], r["visibility"], r["posted_at"], r["tiktok_id"], r["sound_title"],
                       json.dumps(r["legacy_counts"], sort_keys=True), r["allow_comments"], r["original_sha256"])
                      for r in rows)
    assert facts(_section(out_a, "videos")) == facts(_section(out_b, "videos"))
    # Comments others wrote come back read-only, with the import's report, and go out again with it.
    archived = [r["extras"].get("archived_comments", []) for r in _section(out_b, "import_runs")]
    assert sorted(c["body"] for c in archived[0]) == sorted(c["body"] for c in _section(out_a,
                                                                                         "comments_on_my_videos"))
    with regions_b.default.session() as s:
        tiktok = s.scalar(select(Video).where(Video.tiktok_id == "7000000000000000001"))
        assert tiktok is not None and tiktok.status == "ready" and tiktok.subtitle_langs == ["fr"]
        assert regions_b.default.blobs.get_bytes(keys.video_file(tiktok.id, "subtitles/fr.vtt")) == VTT


def _rewrite(src: Path, dst: Path, change: Callable[[str, bytes], tuple[str, bytes] | None],
             extra: tuple[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            changed = change(info.filename, zin.read(info))
            if changed is not None:
                zout.writestr(changed[0], changed[1])
        if extra is not None:
            zout.writestr(*extra)
    return dst


def _flip(name: str, data: bytes) -> tuple[str, bytes]:
    if "/original" in name:
        data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
    return name, data


def _newer(name: str, data: bytes) -> tuple[str, bytes]:
    if name == "manifest.json":
        data = json.dumps({**json.loads(data), "version": 99}).encode()
    return name, data


def _traversal(name: str, data: bytes) -> tuple[str, bytes]:
    return ("../../etc/evil" if name == "data/likes.json" else name), data


@pytest.mark.parametrize(("damage", "says"), [
    ("truncated", "not a readable zip"),
    ("bit-flipped", "does not match its size or SHA-256"),
    ("extra file", "not in its manifest"),
    ("missing file", "missing from the archive"),
    ("traversal", "not allowed"),
    ("newer version", "newer than this Havre reads"),
    ("miscounted", "the manifest says"),
])
def test_a_bad_archive_is_refused_naming_the_problem_and_writes_nothing(
        sam: tuple[str, list[str]], regions: Regions, instance_b: tuple[Settings, Regions], tmp_path: Path,
        damage: str, says: str) -> None:
    good = tmp_path / "good.zip"
    export_to_file(regions, sam[0], good, instance="https://a.example")
    bad = tmp_path / "bad.zip"
    if damage == "truncated":
        shutil.copy(good, bad)
        with open(bad, "r+b") as f:
            f.truncate(good.stat().st_size // 2)
    elif damage == "bit-flipped":
        _rewrite(good, bad, _flip)
    elif damage == "extra file":
        _rewrite(good, bad, lambda n, d: (n, d), extra=("files/surprise.txt", b"hello"))
    elif damage == "missing file":
        _rewrite(good, bad, lambda n, d: None if n == "data/likes.json" else (n, d))
    elif damage == "traversal":
        _rewrite(good, bad, _traversal)
    elif damage == "newer version":
        _rewrite(good, bad, _newer)
    else:
        def miscount(name: str, data: bytes) -> tuple[str, bytes]:
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["counts"]["likes"] += 1
                data = json.dumps(manifest).encode()
            return name, data
        _rewrite(good, bad, miscount)
    settings_b, regions_b = instance_b
    with pytest.raises(ArchiveError) as refused:
        import_archive(regions_b, settings_b, handle="sam", path=bad)
    assert says in str(refused.value)
    with regions_b.default.session() as s:
        assert s.scalar(select(func.count()).select_from(Video)) == 0
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert list(regions_b.default.blobs.keys("")) == []


def test_a_good_archive_verifies(sam: tuple[str, list[str]], regions: Regions, tmp_path: Path) -> None:
    out = tmp_path / "ok.zip"
    export_to_file(regions, sam[0], out, instance="https://a.example")
    archive = verify(out)
    archive.close()


def test_every_kind_of_file_is_exported_or_said_why_not() -> None:
    assert set(archive_writer.FILES_IN) | set(archive_writer.FILES_LEFT_OUT) == set(keys.KINDS)


def test_every_table_a_person_owns_is_exported() -> None:
    exported = {table.name for table, _ in archive_writer.EXPORTED}
    audit_only = {table.name for table, owner in owned_tables(metadata) if owner.on_move == "audit"}
    assert exported | audit_only == {table.name for table, _ in owned_tables(metadata)}


def test_the_import_page_takes_a_havre_archive(sam: tuple[str, list[str]], regions: Regions, tmp_path: Path,
                                               make_client: Callable[[], ApiClient],
                                               run_jobs: Callable[..., int]) -> None:
    """Another member brings an archive in through /import (the same job as a TikTok export)."""
    out = tmp_path / "sam.zip"
    export_to_file(regions, sam[0], out, instance="https://a.example")
    newcomer = make_client()
    newcomer.signup("sam2", region="eu")
    with open(out, "rb") as f:
        started = newcomer.post("/api/imports", files={"file": ("havre-sam.zip", f, "application/zip")})
    assert started.status_code == 202, started.text
    run_jobs()
    report = newcomer.get(f"/api/imports/{started.json()['id']}").json()
    assert report["status"] == "done" and report["source"] == "havre" and len(report["imported"]) == 2
    assert {c["body"] for c in report["archived_comments"]} == {"Bravo sam", "merci"}
    assert report["follows_made"] == ["lou"]
    eu = regions.get("eu")
    assert not [k for k in eu.blobs.keys("imports/")]  # the uploaded archive is gone once its videos are in
    with eu.session() as s:
        owner = regions.directory.user_id_of_handle("sam2")
        assert s.scalar(select(func.count()).select_from(Video).where(Video.owner_id == owner)) == 2
