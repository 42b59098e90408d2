"""Posting as TikTok users expect it (issue 23): a draft posted later, a scheduled post, a trim
done by ffmpeg on the server, a chosen cover frame."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from havre.jobs.models import Job
from havre.media import probe as media_probe
from havre.media import synth
from havre.regions import Regions
from havre.videos.models import Video
from tests.conftest import ApiClient


@pytest.fixture(scope="session")
def long_clip(clip_dir: Path) -> Path:
    """4 s of a pattern that moves (its frames differ), keyframes every second."""
    return synth.make_clip(clip_dir / "posting.mp4", seconds=4, width=360, height=640, seed=0)


def _post(client: ApiClient, path: Path, **fields: Any) -> Any:
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    with open(path, "rb") as f:
        return client.post("/api/videos", files={"file": (path.name, f, "video/mp4")}, data=data)


def _videos(regions: Regions) -> int:
    with regions.default.session() as s:
        return s.scalar(select(func.count()).select_from(Video)) or 0


def _originals(regions: Regions) -> list[str]:
    return list(regions.default.blobs.keys("originals/"))


def _probe_media(client: ApiClient, url: str, tmp_path: Path, name: str) -> media_probe.ProbeResult:
    path = tmp_path / name
    path.write_bytes(client.get_media(url).content)
    return media_probe.probe(path)


def test_a_draft_is_its_owners_alone_until_posted(client: ApiClient, make_client: Callable[[], ApiClient],
                                                   h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    other = make_client()
    other.signup("sam")
    anonymous = make_client()
    response = _post(client, h264_clip, caption="Pas encore #brouillon", draft=True)
    assert response.status_code == 201, response.text
    vid = response.json()["id"]
    run_jobs({"videos.process"})
    mine = client.get(f"/api/videos/{vid}").json()
    assert mine["status"] == "draft" and mine["mp4_url"] and mine["poster_url"]
    assert client.get_media(mine["poster_url"]).status_code == 200
    for someone in (other, anonymous):
        assert someone.get(f"/api/videos/{vid}").status_code == 404
        assert someone.get_media(mine["poster_url"]).status_code == 404
    assert other.post(f"/api/videos/{vid}/publish").status_code == 404
    assert [d["id"] for d in client.get("/api/me/drafts").json()["items"]] == [vid]
    assert other.get("/api/me/drafts").json()["items"] == []
    assert anonymous.get("/api/me/drafts").status_code == 401
    assert vid not in {v["id"] for v in other.get("/api/feed/foryou").json().get("items", [])}

    run_jobs()  # the ladder keeps it a draft
    assert client.get(f"/api/videos/{vid}").json()["status"] == "draft"
    posted = client.post(f"/api/videos/{vid}/publish")
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "ready"
    assert other.get(f"/api/videos/{vid}").json()["status"] == "ready"
    assert client.get("/api/me/drafts").json()["items"] == []
    again = client.post(f"/api/videos/{vid}/publish")  # a double tap changes nothing
    assert again.status_code == 200 and again.json()["posted_at"] == posted.json()["posted_at"]
    later = client.post(f"/api/videos/{vid}/publish", json={"at": "2099-01-01T00:00:00Z"})
    assert later.status_code == 400 and later.json()["detail"] == "This video is already posted."


def test_a_draft_posted_while_still_processing_goes_live_when_ready(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = _post(client, h264_clip, draft=True).json()["id"]
    assert client.post(f"/api/videos/{vid}/publish").json()["status"] == "processing"
    run_jobs({"videos.process"})
    assert make_client().get(f"/api/videos/{vid}").json()["status"] == "ready"


def _force_due(regions: Regions) -> None:
    """The time comes: every waiting publish job is due now (no sleeping)."""
    with regions.default.session() as s:
        s.execute(update(Job).where(Job.kind == "videos.publish")
                  .values(run_after=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()


def test_a_scheduled_post_is_a_draft_until_its_time(client: ApiClient, make_client: Callable[[], ApiClient],
                                                     regions: Regions, h264_clip: Path,
                                                     run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    other = make_client()
    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    response = _post(client, h264_clip, publish_at=at.isoformat())
    assert response.status_code == 201, response.text
    vid = response.json()["id"]
    run_jobs()  # processing and ladder run; the publish job is not due
    assert client.get(f"/api/videos/{vid}").json()["status"] == "draft"
    assert other.get(f"/api/videos/{vid}").status_code == 404
    [draft] = client.get("/api/me/drafts").json()["items"]
    assert datetime.fromisoformat(draft["publish_at"]) == at
    _force_due(regions)
    due = datetime.now(UTC)
    assert run_jobs({"videos.publish"}) == 1
    shown = other.get(f"/api/videos/{vid}").json()
    assert shown["status"] == "ready"
    assert datetime.fromisoformat(shown["posted_at"]) >= due  # posted when it came due, not at upload


def test_a_draft_rescheduled_posts_at_its_new_time_only(client: ApiClient, make_client: Callable[[], ApiClient],
                                                        regions: Regions, h264_clip: Path,
                                                        run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = _post(client, h264_clip, draft=True).json()["id"]
    run_jobs({"videos.process"})
    first = datetime.now(UTC) + timedelta(hours=1)
    assert client.post(f"/api/videos/{vid}/publish", json={"at": first.isoformat()}).status_code == 200
    later = datetime.now(UTC) + timedelta(days=2)
    assert client.post(f"/api/videos/{vid}/publish", json={"at": later.isoformat()}).status_code == 200
    with regions.default.session() as s:  # only the first booking comes due
        s.execute(update(Job).where(Job.kind == "videos.publish", Job.payload["at"].as_string() == first.isoformat())
                  .values(run_after=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    run_jobs({"videos.publish"})
    assert client.get(f"/api/videos/{vid}").json()["status"] == "draft"
    _force_due(regions)
    run_jobs({"videos.publish"})
    assert make_client().get(f"/api/videos/{vid}").json()["status"] == "ready"


@pytest.mark.parametrize(("at", "message"), [
    (lambda: datetime.now(UTC) - timedelta(minutes=1), "The publish time is in the past; choose a time to come."),
    (lambda: datetime.now(UTC) + timedelta(days=31), "A post can be scheduled at most 30 days ahead."),
    (lambda: datetime.now() + timedelta(hours=1),  # noqa: DTZ005 - the point: no zone
     "The publish time needs a time zone (ISO 8601, ending in Z or an offset)."),
])
def test_a_schedule_out_of_bounds_is_refused_and_stores_nothing(
        client: ApiClient, regions: Regions, h264_clip: Path, at: Callable[[], datetime], message: str) -> None:
    client.signup("lea")
    response = _post(client, h264_clip, publish_at=at().isoformat())
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": message, "field": "publish_at"}
    assert _videos(regions) == 0 and _originals(regions) == []


def test_trim_keeps_the_chosen_part_and_stores_its_duration(client: ApiClient, make_client: Callable[[], ApiClient],
                                                           long_clip: Path, tmp_path: Path,
                                                           run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    response = _post(client, long_clip, trim_start_s=1.0, trim_end_s=3.0)
    assert response.status_code == 201, response.text
    vid = response.json()["id"]
    run_jobs({"videos.process"})
    video = client.get(f"/api/videos/{vid}").json()
    assert video["status"] == "ready"
    played = _probe_media(client, video["mp4_url"], tmp_path, "play.mp4")
    assert played.duration_s == pytest.approx(2.0, abs=0.1)
    assert video["duration_s"] == pytest.approx(played.duration_s, abs=0.01)
    run_jobs()  # the ladder cuts the original the same way
    video = client.get(f"/api/videos/{vid}").json()
    assert "/hls/" in video["mp4_url"]
    assert _probe_media(client, video["mp4_url"], tmp_path, "720.mp4").duration_s == pytest.approx(2.0, abs=0.1)
    assert video["duration_s"] == pytest.approx(2.0, abs=0.1)


def test_a_start_far_from_a_keyframe_is_cut_where_asked(client: ApiClient, long_clip: Path, tmp_path: Path,
                                                        run_jobs: Callable[..., int]) -> None:
    # Keyframes every second: a copy from 1.7 s would start at 1.0 s, too far; the kept part is re-encoded.
    client.signup("lea")
    vid = _post(client, long_clip, trim_start_s=1.7, trim_end_s=3.2).json()["id"]
    run_jobs({"videos.process"})
    video = client.get(f"/api/videos/{vid}").json()
    assert _probe_media(client, video["mp4_url"], tmp_path, "cut.mp4").duration_s == pytest.approx(1.5, abs=0.1)


BEFORE = "The trim must start before it ends (start %s s, end %s s)."


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"trim_start_s": 3, "trim_end_s": 2}, "trim_start_s", BEFORE % ("3.0", "2.0")),
    ({"trim_start_s": 2, "trim_end_s": 2}, "trim_start_s", BEFORE % ("2.0", "2.0")),
    ({"trim_end_s": 9}, "trim_end_s", "The trim ends at 9.0 s but the video lasts 4.0 s."),
    ({"trim_start_s": -1}, "trim_start_s", "The trim start cannot be negative."),
    ({"trim_start_s": 1, "trim_end_s": 1.5}, "trim_end_s", "The trimmed video must last at least 1.0 s."),
    ({"cover_s": 5}, "cover_s", "The cover frame must be within the video (under 4.0 s)."),
    ({"trim_end_s": 2, "cover_s": 2.5}, "cover_s", "The cover frame must be within the video (under 2.0 s)."),
    ({"cover_s": -0.5}, "cover_s", "The cover time cannot be negative."),
])
def test_bad_trims_and_covers_are_refused_by_name_and_store_nothing(
        client: ApiClient, regions: Regions, long_clip: Path, fields: dict[str, float], field: str,
        message: str) -> None:
    client.signup("lea")
    response = _post(client, long_clip, **fields)
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": message, "field": field}
    assert _videos(regions) == 0 and _originals(regions) == []


def test_the_cover_is_the_chosen_frame_and_can_be_changed(client: ApiClient, make_client: Callable[[], ApiClient],
                                                          regions: Regions, long_clip: Path,
                                                          run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    early = _post(client, long_clip, cover_s=0.2).json()["id"]
    late = _post(client, long_clip, cover_s=3.5).json()["id"]
    run_jobs({"videos.process"})

    def poster(vid: str) -> bytes:
        content: bytes = client.get_media(client.get(f"/api/videos/{vid}").json()["poster_url"]).content
        assert content.startswith(b"\xff\xd8")
        return content

    assert poster(early) != poster(late)
    before = client.get(f"/api/videos/{late}").json()["poster_url"]
    changed = client.patch(f"/api/videos/{late}", json={"cover_s": 0.2})
    assert changed.status_code == 200, changed.text
    assert run_jobs({"videos.poster"}) == 1
    after = client.get(f"/api/videos/{late}").json()["poster_url"]
    assert after != before  # a new address: no cache keeps showing the old frame
    assert poster(late) == poster(early)  # the same frame of the same file
    refused = client.patch(f"/api/videos/{late}", json={"cover_s": 4.5})
    assert refused.status_code == 400 and refused.json()["field"] == "cover_s"
    other = make_client()
    other.signup("sam")
    assert other.patch(f"/api/videos/{late}", json={"cover_s": 1}).status_code == 404
    with regions.default.session() as s:
        assert s.get(Video, late).cover_s == 0.2  # type: ignore[union-attr]
