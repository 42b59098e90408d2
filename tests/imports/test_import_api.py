"""Starting an import from the web: an uploaded export or pasted links, followed to the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from havre.regions import Regions
from tests.conftest import ApiClient
from tests.imports.cdn import PAGE, fake_cdn, tiktok_pages
from tests.imports.exports import middle_layout, post, write_zip


def _start(client: ApiClient, *, zip_path: Path | None = None, links: str = "", drafts: bool = False) -> httpx.Response:
    files = {"file": (zip_path.name, zip_path.read_bytes(), "application/zip")} if zip_path else None
    response: httpx.Response = client.post("/api/imports", files=files,
                                           data={"links": links, "drafts": str(drafts).lower()})
    return response


def test_an_uploaded_export_is_imported_in_the_background(
        client: ApiClient, regions: Regions, h264_clip: Path, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    me = client.signup("lea")
    with fake_cdn({"a.mp4": h264_clip}) as cdn:
        export = write_zip(tmp_path / "export.zip", middle_layout([
            post("2021-06-01 10:00:00", cdn.link("a.mp4"), Title="Bonjour #hello", Likes="12"),
            post("2021-06-02 10:00:00", cdn.link("expired.mp4"))]))
        started = _start(client, zip_path=export)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert client.get(f"/api/imports/{run_id}").json()["total"] == 0  # not read yet
        assert any(k.startswith(f"imports/{me['id']}/") for k in regions.default.blobs.keys())
        run_jobs()
    report = client.get(f"/api/imports/{run_id}", headers={"Accept-Language": "fr"}).json()
    assert report["status"] == "done" and (report["total"], report["done"]) == (2, 2)
    assert [i["label"] for i in report["imported"]] == ["2021-06-01"]
    assert "Le lien a expiré" in report["failed"][0]["reason"]  # in the reader's language
    assert not any(k.startswith("imports/") for k in regions.default.blobs.keys())  # the export is not kept
    video = client.get(report["imported"][0]["url"].replace("/v/", "/api/videos/")).json()
    assert video["caption"] == "Bonjour #hello" and video["posted_at"].startswith("2021-06-01")
    assert client.get(f"/import/{run_id}").status_code == 200


def test_bad_starts_are_refused_with_what_to_do(
        client: ApiClient, make_client: Callable[[], ApiClient], tmp_path: Path) -> None:
    client.signup("lea")
    fake = tmp_path / "export.zip"
    fake.write_bytes(b"%PDF-1.4 not a zip")
    response = _start(client, zip_path=fake)
    assert response.status_code == 400 and "export.zip is not a zip archive" in response.json()["detail"]
    assert _start(client).status_code == 400
    assert "No links found" in _start(client, links="just words").json()["detail"]
    started = _start(client, links="https://www.tiktok.com/@lea/video/1")
    other = make_client()
    other.signup("marco")
    assert other.get(f"/api/imports/{started.json()['id']}").status_code == 404
    anonymous = make_client()
    assert _start(anonymous, links="https://www.tiktok.com/@lea/video/1").status_code == 401


def test_an_export_that_cannot_be_read_fails_the_run_with_the_reason(
        client: ApiClient, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    archive = write_zip(tmp_path / "odd.zip", {"Something": "else"})
    run_id = _start(client, zip_path=archive).json()["id"]
    run_jobs()
    report = client.get(f"/api/imports/{run_id}").json()
    assert report["status"] == "failed" and "unknown layout" in report["error"]


def test_what_comes_along_shows_sound_page_tiktok_counts_and_comment_setting(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, tmp_path: Path,
        run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    with fake_cdn({"a.mp4": h264_clip}) as cdn:
        export = write_zip(tmp_path / "export.zip", middle_layout([
            post("2021-06-01 10:00:00", cdn.link("a.mp4"), Title="Quiet one", Likes="2.5K",
                 Sound="Nuit blanche - Nour", AllowComments="No")]))
        run_id = _start(client, zip_path=export).json()["id"]
        run_jobs()
    video_id = client.get(f"/api/imports/{run_id}").json()["imported"][0]["video_id"]
    video = client.get(f"/api/videos/{video_id}").json()
    assert video["sound"] == "Nuit blanche - Nour" and video["on_tiktok"] == {"likes": 2500}
    assert video["allow_comments"] is False and video["posted_at"].startswith("2021-06-01")
    sound_feed = client.get("/api/feed/sound/Nuit blanche - Nour").json()["items"]
    assert [v["id"] for v in sound_feed] == [video_id]
    assert client.get("/sound/Nuit blanche - Nour").status_code == 200
    fan = make_client()
    fan.signup("marco")
    refused = fan.post(f"/api/videos/{video_id}/comments", json={"body": "hello"})
    assert refused.status_code == 403 and "turned off" in refused.json()["detail"]
    # Kept off for the creator too, as on TikTok: they turn it back on themselves.
    mine = client.post(f"/api/videos/{video_id}/comments", json={"body": "mine"})
    assert mine.status_code == 403 and "turned off" in mine.json()["detail"]
    assert client.get(f"/api/videos/{video_id}/comments").json() == {"items": [], "allow_comments": False}
    assert client.patch(f"/api/videos/{video_id}", json={"allow_comments": True}).json()["allow_comments"] is True
    assert fan.post(f"/api/videos/{video_id}/comments", json={"body": "hello"}).status_code == 201


def test_pasted_links_are_read_by_yt_dlp_and_their_media_fetched_from_the_allowlisted_cdn(
        client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    client.signup("lea")
    with fake_cdn({"clip.mp4": h264_clip}) as cdn:
        page = PAGE.format(7001)
        tiktok_pages(monkeypatch, {page: cdn.link("clip.mp4")}, description="Bonjour")
        run_id = _start(client, links=page).json()["id"]
        run_jobs()
    report = client.get(f"/api/imports/{run_id}").json()
    assert [i["label"] for i in report["imported"]] == [page] and report["failed"] == []


@pytest.mark.parametrize("import_allow_hosts", [()])
def test_without_the_allowlist_the_same_member_imports_fetch_nothing_from_loopback(
        client: ApiClient, h264_clip: Path, tmp_path: Path, run_jobs: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    client.signup("lea")
    with fake_cdn({"a.mp4": h264_clip, "me.jpg": h264_clip}) as cdn:
        export = write_zip(tmp_path / "export.zip", middle_layout(
            [post("2021-06-01 10:00:00", cdn.link("a.mp4"), Title="Bonjour")], profilePhoto=cdn.link("me.jpg")))
        from_export = _start(client, zip_path=export).json()["id"]
        run_jobs()  # one import at a time: the next starts once this one is done
        page = PAGE.format(7001)
        asked = tiktok_pages(monkeypatch, {page: cdn.link("a.mp4")})
        from_links = _start(client, links=page).json()["id"]
        run_jobs()
        assert cdn.hits == {} and asked == [page]
    for run_id in (from_export, from_links):
        report = client.get(f"/api/imports/{run_id}").json()
        assert report["imported"] == []
        assert report["failed"][0]["reason"] == "Could not connect to the server of this link."
