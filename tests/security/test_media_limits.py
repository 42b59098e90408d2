"""Media limits hold on what a file holds, not on what it says: a lying duration header is cut at the
limit and the upload fails with its reason; frames too small to watch are refused at once; an
upload ffmpeg keeps failing on ends failed with a reason, never "processing" forever."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from havre.app import create_app
from havre.config import Settings
from havre.db.base import utcnow
from havre.jobs.models import Job
from havre.media import synth, transcode
from havre.media.errors import MediaError
from havre.regions import Regions
from havre.workers.runner import JobRunner
from tests.conftest import ApiClient
from tests.videos.helpers import upload


def lie_about_duration(path: Path, seconds: float) -> None:
    """Rewrite a Matroska file's Segment Info Duration (ID 0x4489, an 8-byte float in ms)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89\x88")
    assert at > 0, "no 8-byte Duration element"
    data[at + 3:at + 11] = struct.pack(">d", seconds * 1000)
    path.write_bytes(bytes(data))


@pytest.fixture
def short_limit(settings: Settings, regions: Regions) -> Settings:
    return dataclasses.replace(settings, media=dataclasses.replace(settings.media, max_duration_s=4.0))


@pytest.fixture
def limited_client(short_limit: Settings, regions: Regions) -> Iterator[ApiClient]:
    with ApiClient(create_app(short_limit, regions=regions)) as c:
        c.prime_csrf()
        c.signup("lea")
        yield c


@pytest.mark.parametrize("codec, container", [("h264", "mkv"), ("vp9", "webm")])
def test_a_file_longer_than_its_header_says_is_cut_and_fails_with_its_reason(
        limited_client: ApiClient, short_limit: Settings, regions: Regions, tmp_path: Path,
        codec: str, container: str) -> None:
    clip = synth.make_clip(tmp_path / f"long.{container}", seconds=9, width=160, height=288, codec=codec,
                           container="webm" if container == "webm" else "matroska")
    lie_about_duration(clip, 2.0)
    response = upload(limited_client, clip)
    assert response.status_code == 201, response.text  # the header says 2 s: under the 4 s limit
    video_id = response.json()["id"]
    JobRunner(regions=regions, settings=short_limit).drain()
    video = limited_client.get(f"/api/videos/{video_id}").json()
    assert video["status"] == "failed"
    assert "longer than the 4 s limit" in video["error"] and "said 2 s" in video["error"]
    assert video["mp4_url"] is None and video["hls_url"] is None  # nothing of it is served


def test_frames_too_small_to_watch_are_refused_at_upload(client: ApiClient, tmp_path: Path) -> None:
    client.signup("lea")
    tiny = synth.make_clip(tmp_path / "tiny.mp4", seconds=1, width=16, height=16)
    response = upload(client, tiny)
    assert response.status_code == 400
    assert "at least 64 pixels on each side" in response.json()["detail"]


def test_an_upload_ffmpeg_keeps_failing_on_ends_failed_with_a_reason(
        client: ApiClient, settings: Settings, regions: Regions, vp9_clip: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client.signup("lea")
    video_id = upload(client, vp9_clip).json()["id"]  # VP9: the ladder is the only way to play it

    def crashing_encoder(*args: object, **kwargs: object) -> None:  # an ffmpeg crash we cannot provoke on demand
        raise MediaError("ffmpeg failed (-11): Segmentation fault")

    monkeypatch.setattr(transcode, "build_ladder", crashing_encoder)
    runner = JobRunner(regions=regions, settings=settings)
    for attempt in range(1, 6):  # retried with backoff; the owner sees "processing" until the last try
        runner.drain()
        video = client.get(f"/api/videos/{video_id}").json()
        assert video["status"] == ("failed" if attempt == 5 else "processing"), attempt
        with regions.default.session() as s:
            s.execute(update(Job).values(run_after=utcnow()))  # don't wait for the backoff
            s.commit()
    assert "could not convert this video" in video["error"]
