"""A Havre archive whose hashes match but whose JSON is wrong ends cleanly (issue 21, part 4): the
refusal names the file and the field, the page's run ends failed with it (its job not retried), the
upload is deleted, and nothing is imported. Subtitles get the yt-dlp path's checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from havre.config import Settings
from havre.imports import service
from havre.imports.havre_archive import ArchiveError
from havre.imports.models import ImportRun
from havre.jobs.models import Job
from havre.portability.archive_import import import_archive
from havre.regions import Regions
from havre.videos.models import Video
from tests.conftest import ApiClient
from tests.imports.archives import VIDEO_ID, user_row, video_row, write_archive

ORIGINAL = f"files/videos/{VIDEO_ID}/original.mp4"
VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n"

# What each archive holds instead of a good videos.json (or manifest), and what the refusal must say.
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "deep nesting": ({"data": {"videos": b"[" * 100_000 + b"]" * 100_000}, "counts": {"users": 1, "videos": 1}},
                     "data/videos.json, record 1: lists or objects nest more than 64 levels"),
    "videos that are numbers": ({"data": {"videos": [1, 2, 3]}},
                                "data/videos.json, record 1: the field (the record) should be of type object"),
    "a count in words": ({"data": {"videos": [video_row(legacy_counts={"likes": "lots"})]}},
                         "data/videos.json, record 1: the field legacy_counts.likes should be of type integer"),
    "no created_at": ({"without": ["created_at"]}, "manifest.json, record 1: the field created_at is missing"),
    "a caption that is a number": ({"data": {"videos": [video_row(caption=5)]}},
                                   "data/videos.json, record 1: the field caption should be of type string"),
    "a NUL in a caption": ({"data": {"videos": [video_row(caption="a\x00b")]}},
                           "data/videos.json, record 1 holds text no database can store"),
    "a date that is not one": ({"data": {"videos": [video_row(posted_at="yesterday")]}},
                               "data/videos.json, record 1: the field posted_at is not valid"),
    "an unknown field": ({"data": {"videos": [video_row(extra=1)]}},
                         "data/videos.json, record 1: the field extra is not part of the Havre export format"),
    "a TikTok id too long": ({"data": {"videos": [video_row(tiktok_id="7" * 40)]}},
                             "data/videos.json, record 1: the field tiktok_id is not valid"),
}


def _archive(dst: Path, clip: Path, case: str) -> Path:
    change, _ = CASES[case]
    data = {"users": [user_row()], "videos": [video_row()], **change.get("data", {})}
    return write_archive(dst, data=data, files={ORIGINAL: clip.read_bytes()}, counts=change.get("counts"),
                         without=change.get("without", ()))


@pytest.mark.parametrize("case", list(CASES))
def test_the_cli_refuses_a_malformed_archive_naming_the_file_and_field(
        settings: Settings, regions: Regions, client: ApiClient, h264_clip: Path, tmp_path: Path, case: str) -> None:
    client.signup("sam")
    archive = _archive(tmp_path / "sam.zip", h264_clip, case)
    with pytest.raises(ArchiveError) as refused:
        import_archive(regions, settings, handle="sam", path=archive)
    assert CASES[case][1] in refused.value.message
    assert "make a new export" in refused.value.message
    with regions.default.session() as s:
        assert s.scalar(select(func.count()).select_from(Video)) == 0
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 0


@pytest.mark.parametrize("case", ["deep nesting", "videos that are numbers", "a count in words", "no created_at"])
def test_the_page_run_fails_with_the_reason_once_and_the_upload_is_deleted(
        client: ApiClient, regions: Regions, h264_clip: Path, tmp_path: Path, run_jobs: Callable[..., int],
        case: str) -> None:
    client.signup("sam")
    archive = _archive(tmp_path / "sam.zip", h264_clip, case)
    started = client.post("/api/imports", files={"file": ("sam.zip", archive.read_bytes(), "application/zip")})
    assert started.status_code == 202, started.text
    run_jobs()
    report = client.get(f"/api/imports/{started.json()['id']}").json()
    assert report["status"] == "failed" and CASES[case][1] in report["error"]
    assert [k for k in regions.default.blobs.keys("imports/")] == []
    with regions.default.session() as s:
        job = s.scalar(select(Job).where(Job.kind == "imports.run"))
        assert job is not None and (job.status, job.attempts) == ("failed", 1)  # not retried: it would fail again
        assert s.scalar(select(func.count()).select_from(Video)) == 0


def test_archive_subtitles_get_the_same_checks_as_yt_dlp_ones(
        settings: Settings, regions: Regions, client: ApiClient, h264_clip: Path, tmp_path: Path) -> None:
    client.signup("sam")
    tracks = {"fr": VTT, "en": b"<script>alert(1)</script>"}  # the second is not WebVTT: left out
    files = {ORIGINAL: h264_clip.read_bytes(), **{f"files/videos/{VIDEO_ID}/subtitles/{lang}.vtt": data
                                                  for lang, data in tracks.items()}}
    archive = write_archive(tmp_path / "sam.zip", data={"users": [user_row()], "videos": [video_row(
        subtitle_langs=sorted(tracks))]}, files=files)
    run = import_archive(regions, settings, handle="sam", path=archive)
    assert run.status == "done"
    with regions.default.session() as s:
        video = s.scalar(select(Video))
        assert video is not None and video.subtitle_langs == ["fr"]
    # One over the 1 MiB a track may be: refused before a byte of it is read.
    files[f"files/videos/{VIDEO_ID}/subtitles/en.vtt"] = VTT + b"x" * (1 << 20)
    big = write_archive(tmp_path / "big.zip", data={"users": [user_row()], "videos": [video_row(
        subtitle_langs=sorted(tracks))]}, files=files, compress=False)
    with pytest.raises(ArchiveError, match=r"subtitles/en.vtt in big.zip is 1.1 MiB once unpacked, more than the "
                                           r"1.0 MiB such a file may be here"):
        import_archive(regions, settings, handle="sam", path=big)


def test_a_run_whose_job_gives_up_ends_failed_and_its_upload_is_deleted(
        client: ApiClient, regions: Regions, h264_clip: Path, tmp_path: Path, run_jobs: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")  # not the archive's fault: retried, until the last attempt

    monkeypatch.setattr(service, "run_import", broken)
    client.signup("sam")
    archive = write_archive(tmp_path / "sam.zip", data={"users": [user_row()], "videos": [video_row()]},
                            files={ORIGINAL: h264_clip.read_bytes()})
    started = client.post("/api/imports", files={"file": ("sam.zip", archive.read_bytes(), "application/zip")})
    with regions.default.session() as s:  # this attempt is the last one
        s.execute(update(Job).where(Job.kind == "imports.run").values(max_attempts=1))
        s.commit()
    run_jobs()
    report = client.get(f"/api/imports/{started.json()['id']}").json()
    assert report["status"] == "failed" and "was given up" in report["error"]
    assert [k for k in regions.default.blobs.keys("imports/")] == []
