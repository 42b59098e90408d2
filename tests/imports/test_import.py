"""Importing for real: downloads from a local stand-in for TikTok's CDN, yt-dlp, folders, resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from havre.accounts import signin
from havre.commands import import_tiktok
from havre.config import Settings
from havre.imports.models import ImportItem
from havre.media.ffmpeg import ffmpeg_path
from havre.regions import Regions
from havre.videos.models import PRIVATE_VIS, Video
from tests.conftest import ApiClient
from tests.imports.cdn import PAGE, fake_cdn, tiktok_pages
from tests.imports.exports import middle_layout, post, write_zip


@pytest.fixture(scope="session")
def jpeg(clip_dir: Path) -> Path:
    dst = clip_dir / "photo.jpg"
    subprocess.run([ffmpeg_path(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x480",
                    "-frames:v", "1", "-y", str(dst)], check=True)
    return dst


@pytest.fixture
def lea(regions: Regions) -> str:
    return signin.sign_up(regions, handle="lea", password="long enough pw", open_session=False).user.id


def _videos(regions: Regions, owner_id: str) -> list[Video]:
    with regions.default.session() as s:
        return list(s.scalars(select(Video).where(Video.owner_id == owner_id).order_by(Video.posted_at)
                              .options(selectinload(Video.hashtags))))


def test_an_export_imports_what_it_can_and_says_why_not_for_the_rest(
        settings: Settings, regions: Regions, lea: str, h264_clip: Path, jpeg: Path, tmp_path: Path) -> None:
    with fake_cdn({"a.mp4": h264_clip, "1.jpg": jpeg, "2.jpg": jpeg}) as cdn:
        export = write_zip(tmp_path / "export.zip", middle_layout([
            post("2021-06-01 10:00:00", cdn.link("a.mp4") + "?vid=7000000000000000001", Likes="1.5K",
                 Title="Crêpes #Recette", Sound="original sound - lea", AllowComments="No"),
            post("2021-07-01 10:00:00", cdn.link("1.jpg") + "\n" + cdn.link("2.jpg"), Title="Photos #dump"),
            post("2021-08-01 10:00:00", cdn.link("gone.mp4"), Title="deleted"),
            post("2021-09-01 10:00:00", cdn.link("expired.mp4"), Title="old link"),
            post("2021-10-01 10:00:00", cdn.link("html.mp4"), Title="a page"),
            {"Link": cdn.link("a.mp4")},
        ], following=["marco", "nobody_here"], followers=["fan1"], displayName="Léa", bioDescription="Recettes",
            profilePhoto=cdn.link("1.jpg")))
        signin.sign_up(regions, handle="marco", password="long enough pw", open_session=False)
        report = import_tiktok(settings, handle="lea", source=str(export))

    assert [i["label"] for i in report["imported"]] == ["2021-06-01", "2021-07-01"]
    failed = {i["label"]: i["reason"] for i in report["failed"]}
    assert "HTTP 404" in failed["2021-08-01"]
    assert "expired" in failed["2021-09-01"] and "fresh export" in failed["2021-09-01"]
    assert "web page, not a media file" in failed["2021-10-01"]
    assert failed["post 6: no date; skipped"]
    assert report["following_here"] == ["marco"]
    clip, slideshow = _videos(regions, lea)
    assert clip.caption == "Crêpes #Recette" and clip.posted_at.isoformat() == "2021-06-01T10:00:00+00:00"
    assert clip.sound_title == "original sound - lea" and clip.legacy_counts == {"likes": 1500}
    assert clip.allow_comments is False and [h.tag for h in clip.hashtags] == ["recette"]
    assert slideshow.duration_s == pytest.approx(6, abs=0.5) and slideshow.height > slideshow.width
    with regions.default.session() as s:
        from havre.accounts.models import User
        from havre.imports.models import TikTokFollower

        user = s.get(User, lea)
        assert user is not None and (user.display_name, user.bio) == ("Léa", "Recettes")
        assert user.avatar_key and regions.default.blobs.get_bytes(user.avatar_key)[:2] == b"\xff\xd8"  # a JPEG
        assert [f.handle for f in s.scalars(select(TikTokFollower))] == ["fan1"]


def test_running_it_again_imports_nothing_twice(settings: Settings, regions: Regions, lea: str, h264_clip: Path,
                                                tmp_path: Path) -> None:
    with fake_cdn({"a.mp4": h264_clip}) as cdn:
        # The second post is the same file again (re-posted): one video, the other skipped.
        export = write_zip(tmp_path / "export.zip", middle_layout([
            post("2021-06-01 10:00:00", cdn.link("a.mp4"), Title="one"),
            post("2021-06-02 10:00:00", cdn.link("flaky-a.mp4"), Title="same file again"),
        ]))
        first = import_tiktok(settings, handle="lea", source=str(export))
        second = import_tiktok(settings, handle="lea", source=str(export))
        assert cdn.hits["flaky-a.mp4"] >= 3  # retried through two 503s
    assert [i["label"] for i in first["imported"]] == ["2021-06-01"]
    assert [(i["label"], i["reason"]) for i in first["skipped"]] == [("2021-06-02", "already imported")]
    assert second["imported"] == [] and len(second["skipped"]) == 2
    assert len(_videos(regions, lea)) == 1


def test_drafts_are_private(settings: Settings, regions: Regions, lea: str, h264_clip: Path, tmp_path: Path) -> None:
    with fake_cdn({"a.mp4": h264_clip}) as cdn:
        export = write_zip(tmp_path / "e.zip", middle_layout([post("2021-06-01 10:00:00", cdn.link("a.mp4"))]))
        import_tiktok(settings, handle="lea", source=str(export), drafts=True)
    assert [v.visibility for v in _videos(regions, lea)] == [PRIVATE_VIS]


def test_links_are_read_by_yt_dlp_and_their_media_downloaded_by_havre(
        settings: Settings, regions: Regions, lea: str, h264_clip: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    subtitle = tmp_path / "fr.vtt"
    subtitle.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n")
    with fake_cdn({"clip.mp4": h264_clip, "fr.vtt": subtitle}) as cdn:
        media = {PAGE.format(7001): cdn.link("clip.mp4"), PAGE.format(7002): cdn.link("gone.mp4")}
        tiktok_pages(monkeypatch, media, description="Le train #voyage", timestamp=1650000000,
                     requested_subtitles={"fr": {"ext": "vtt", "url": cdn.link("fr.vtt")}})
        report = import_tiktok(settings, handle="lea", source="\n".join(media))
        assert cdn.hits == {"clip.mp4": 1, "fr.vtt": 1, "gone.mp4": 1}  # fetched by Havre, once each
    assert [i["label"] for i in report["imported"]] == [PAGE.format(7001)]
    assert "HTTP 404" in report["failed"][0]["reason"]
    (video,) = _videos(regions, lea)
    assert (video.tiktok_id, video.caption, video.subtitle_langs) == ("7001", "Le train #voyage", ["fr"])


def test_only_tiktok_links_go_to_yt_dlp(settings: Settings, regions: Regions, lea: str, h264_clip: Path) -> None:
    with fake_cdn({"clip.mp4": h264_clip}) as cdn:  # yt-dlp's generic extractor would fetch this one
        report = import_tiktok(settings, handle="lea", source=cdn.link("clip.mp4"))
        assert cdn.hits == {}
    assert report["imported"] == [] and "is not a TikTok video link" in report["failed"][0]["reason"]


def test_a_folder_of_yt_dlp_downloads(settings: Settings, regions: Regions, lea: str, h264_clip: Path,
                                      tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "7111.mp4").write_bytes(h264_clip.read_bytes())
    (folder / "7111.info.json").write_text(json.dumps({
        "id": "7111", "description": "Le train de nuit #voyage", "timestamp": 1650000000, "track": "Nuit",
        "artist": "Nour", "like_count": 42, "view_count": 1000, "webpage_url": PAGE.format(7111)}))
    (folder / "broken.mp4").write_bytes(b"not a video")
    report = import_tiktok(settings, handle="lea", source=str(folder))
    assert [i["label"] for i in report["imported"]] == ["7111.mp4"]
    assert report["failed"][0]["label"] == "broken.mp4" and report["failed"][0]["reason"]
    (video,) = _videos(regions, lea)
    assert (video.tiktok_id, video.sound_title, video.legacy_counts) == ("7111", "Nuit - Nour",
                                                                          {"likes": 42, "views": 1000})
    assert video.posted_at.year == 2022


def test_an_old_tiktok_link_redirects_to_the_new_page(client: ApiClient, settings: Settings, regions: Regions,
                                                      h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    folder = Path(settings.data_dir).parent / "dl"
    folder.mkdir()
    (folder / "v.mp4").write_bytes(h264_clip.read_bytes())
    (folder / "v.info.json").write_text(json.dumps({"id": "7222", "webpage_url": PAGE.format(7222)}))
    import_tiktok(settings, handle="lea", source=str(folder))
    with regions.default.session() as s:
        video_id = s.scalar(select(Video.id))
    run_jobs()
    response = client.get("/@lea/tiktok/7222", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == f"/v/{video_id}"
    assert client.get("/@lea/tiktok/999", follow_redirects=False).status_code == 404


def test_a_killed_import_resumes_and_nothing_is_imported_twice(
        settings: Settings, regions: Regions, lea: str, h264_clip: Path, tmp_path: Path) -> None:
    clips = {f"c{i}.mp4": tmp_path / f"c{i}.mp4" for i in range(6)}
    for i, path in enumerate(clips.values()):  # six different files (different hashes)
        path.write_bytes(h264_clip.read_bytes() + bytes([i]) * 16)
    with fake_cdn(clips) as cdn:
        cdn.delay_s = 0.6
        export = write_zip(tmp_path / "e.zip", middle_layout([
            post(f"2021-06-0{i + 1} 10:00:00", cdn.link(name)) for i, name in enumerate(clips)]))
        env = {**os.environ, "HAVRE_DATA_DIR": str(settings.data_dir), "HAVRE_REGIONS": settings.regions[0].name}
        if settings.directory_url:
            env["HAVRE_DIRECTORY_URL"] = settings.directory_url
        cmd = [str(Path(sys.executable).parent / "havre"), "import", "tiktok", "--user", "lea", "--workers", "1",
               str(export)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_videos(regions, lea)) < 2:
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-import, a download in flight
        proc.wait()
        assert 2 <= len(_videos(regions, lea)) < 6
        report = import_tiktok(settings, handle="lea", source=str(export))
    assert len(_videos(regions, lea)) == 6
    assert len(report["imported"]) == 6 and report["failed"] == [] and report["skipped"] == []
    with regions.default.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportItem)) == 6


def test_subtitles_come_along_and_are_served_with_the_video(client: ApiClient, settings: Settings,
                                                            regions: Regions, h264_clip: Path,
                                                            run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    folder = Path(settings.data_dir).parent / "dl"
    folder.mkdir()
    (folder / "7333.mp4").write_bytes(h264_clip.read_bytes())
    (folder / "7333.info.json").write_text(json.dumps({"id": "7333", "description": "Sous-titré"}))
    (folder / "7333.fr.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.500\nBonjour à tous\n")
    (folder / "7333.en.vtt").write_bytes(b"<script>alert(1)</script>")  # not WebVTT: left out
    (folder / "7333.x;y.vtt").write_text("WEBVTT\n")  # not a language tag: left out
    import_tiktok(settings, handle="lea", source=str(folder))
    run_jobs()
    with regions.default.session() as s:
        video_id = s.scalar(select(Video.id))
    video = client.get(f"/api/videos/{video_id}").json()
    assert video["subtitles"] == [{"lang": "fr", "url": f"/media/v/{video_id}/subtitles/fr.vtt"}]
    served = client.get_media(video["subtitles"][0]["url"])
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/vtt")
    assert "Bonjour à tous" in served.text
