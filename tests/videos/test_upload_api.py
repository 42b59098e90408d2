from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select, update

from havre.db.base import utcnow
from havre.jobs.models import Job
from havre.regions import Regions
from havre.videos.models import Video
from tests.conftest import ApiClient
from tests.videos.helpers import upload, upload_ready


def _count(regions: Regions, model: type) -> int:
    with regions.default.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_upload_is_playable_by_remux_first_then_gets_the_ladder(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    response = upload(client, h264_clip, caption="Crêpes #Recette #cuisine #recette")
    assert response.status_code == 201
    video_id = response.json()["id"]
    assert response.json()["status"] == "processing"
    assert run_jobs({"videos.process"}) == 1  # the instant-publish step only
    video = client.get(f"/api/videos/{video_id}").json()
    assert video["status"] == "ready" and video["mp4_url"].endswith("/play.mp4") and video["hls_url"] is None
    assert video["hashtags"] == ["cuisine", "recette"]
    assert client.get_media(video["mp4_url"]).headers["content-type"] == "video/mp4"
    run_jobs()  # the ladder
    video = client.get(f"/api/videos/{video_id}").json()
    assert video["hls_url"].endswith("/hls/master.m3u8")
    master = client.get(video["hls_url"]).text
    assert master.startswith("#EXTM3U") and "RESOLUTION=" in master
    assert "/play.mp4" not in video["mp4_url"]
    assert client.get_media(video["mp4_url"]).status_code == 200
    # A player that loaded the remux just before the switch keeps playing it for a while...
    remux_url = f"/media/v/{video_id}/play.mp4"
    assert client.get_media(remux_url).status_code == 200
    with regions.default.session() as s:  # ...until the grace period is over.
        s.execute(update(Job).where(Job.kind == "videos.drop_files").values(run_after=utcnow()))
        s.commit()
    assert run_jobs() == 1
    assert client.get_media(remux_url).status_code == 404
    assert client.get_media(video["poster_url"]).headers["content-type"] == "image/jpeg"


def test_media_supports_range_requests(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = upload_ready(client, h264_clip, run_jobs)
    url = client.get(f"/api/videos/{vid}").json()["mp4_url"]
    whole = client.get_media(url).content
    part = client.get_media(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"


def test_non_remuxable_upload_goes_straight_to_the_ladder(
        client: ApiClient, vp9_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = upload_ready(client, vp9_clip, run_jobs)
    video = client.get(f"/api/videos/{vid}").json()
    assert video["hls_url"] and video["mp4_url"] and video["width"] == 360 and video["height"] == 640


def test_rejected_uploads_say_why_and_leave_nothing(client: ApiClient, regions: Regions, tmp_path: Path,
                                                    h264_clip: Path) -> None:
    client.signup("lea")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x01not a video at all" * 100)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(h264_clip.read_bytes()[: h264_clip.stat().st_size // 3])
    playlist = tmp_path / "sneaky.mp4"
    playlist.write_bytes(b"#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path in (junk, truncated, playlist, empty):
        response = upload(client, path)
        assert response.status_code == 400, (path.name, response.text)
        assert response.json()["field"] == "file" and len(response.json()["detail"]) > 20
    assert _count(regions, Video) == 0 and _count(regions, Job) == 0
    assert list(regions.default.blobs.keys()) == []


def test_bad_caption_or_visibility_is_refused(client: ApiClient, h264_clip: Path) -> None:
    client.signup("lea")
    assert upload(client, h264_clip, visibility="secret").json()["field"] == "visibility"
    assert upload(client, h264_clip, caption="x" * 3000).json()["field"] == "caption"


def test_upload_requires_login(app: FastAPI, h264_clip: Path) -> None:
    with ApiClient(app) as anonymous:
        anonymous.prime_csrf()
        assert upload(anonymous, h264_clip).status_code == 401


def test_private_and_followers_videos_are_hidden_from_others(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("owner")
    private = upload_ready(client, h264_clip, run_jobs, visibility="private")
    followers = upload_ready(client, h264_clip, run_jobs, visibility="followers")
    mp4 = client.get(f"/api/videos/{private}").json()["mp4_url"]
    stranger = make_client()
    stranger.signup("stranger")
    for vid in (private, followers):
        assert stranger.get(f"/api/videos/{vid}").status_code == 404
    assert stranger.get(mp4).status_code == 404
    stranger.post("/api/users/owner/follow")
    assert stranger.get(f"/api/videos/{followers}").status_code == 200
    assert stranger.get(f"/api/videos/{private}").status_code == 404


def test_the_original_is_never_served(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("owner")
    vid = upload_ready(client, h264_clip, run_jobs)
    assert any(k.startswith("originals/") for k in regions.default.blobs.keys())
    for path in ("original", "../../originals/" + vid, "..%2F..%2Foriginals%2F" + vid):
        assert client.get(f"/media/v/{vid}/{path}").status_code in (404, 400)


def test_owner_edits_and_deletes_and_files_go_too(client: ApiClient, make_client: Callable[[], ApiClient],
                                                  regions: Regions, h264_clip: Path,
                                                  run_jobs: Callable[..., int]) -> None:
    client.signup("owner")
    vid = upload_ready(client, h264_clip, run_jobs)
    other = make_client()
    other.signup("other")
    assert other.patch(f"/api/videos/{vid}", json={"caption": "mine now"}).status_code == 404
    assert other.delete(f"/api/videos/{vid}").status_code == 404
    edited = client.patch(f"/api/videos/{vid}", json={"caption": "New #Tag", "visibility": "followers"})
    assert edited.json()["hashtags"] == ["tag"] and edited.json()["visibility"] == "followers"
    assert client.delete(f"/api/videos/{vid}").status_code == 204
    assert client.get(f"/api/videos/{vid}").status_code == 404
    run_jobs()
    assert list(regions.default.blobs.keys()) == []
