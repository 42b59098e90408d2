"""Two regions, people in each: what a viewer sees across regions and where every row lands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from havre.accounts.models import Follow, User
from havre.portability.residency import audit_residency
from havre.recs.events import FeedEvent as WatchEvent
from havre.regions import Regions
from havre.regions.audit import AuditEntry, verify_chain
from havre.social.models import Comment, Like
from havre.videos.models import Video
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


def _count(regions: Regions, region: str, model: type, *where: object) -> int:
    with regions.get(region).session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def _signup(client: ApiClient, handle: str, region: str) -> dict[str, Any]:
    response = client.post("/api/auth/signup", json={"handle": handle, "password": "correct horse battery",
                                                     "region": region})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def test_signup_picks_the_home_region_and_the_account_lives_only_there(
        client: ApiClient, regions: Regions) -> None:
    me = _signup(client, "camille", "eu")
    assert me["home_region"] == "eu"
    assert client.get("/api/me").json()["home_region"] == "eu"
    assert _count(regions, "eu", User) == 1 and _count(regions, "us", User) == 0
    assert regions.directory.region_of_handle("camille") == "eu"
    page = client.get("/settings")
    assert "Your home region is EU" in page.text


def test_an_unknown_region_is_refused_and_nothing_is_claimed(client: ApiClient, regions: Regions) -> None:
    response = client.post("/api/auth/signup", json={"handle": "camille", "password": "correct horse battery",
                                                     "region": "mars"})
    assert response.status_code == 400 and "us, eu" in response.json()["detail"]
    assert regions.directory.region_of_handle("camille") is None
    assert _signup(client, "camille", "us")["home_region"] == "us"  # the handle is still free


def test_a_handle_is_unique_across_regions(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    _signup(client, "camille", "us")
    other = make_client()
    response = other.post("/api/auth/signup", json={"handle": "camille", "password": "correct horse battery",
                                                    "region": "eu"})
    assert response.status_code == 400 and "taken" in response.json()["detail"]
    assert _count(regions, "eu", User) == 0


def test_login_finds_the_home_region(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    _signup(client, "camille", "eu")
    fresh = make_client()
    response = fresh.post("/api/auth/login", json={"handle": "camille", "password": "correct horse battery"})
    assert response.status_code == 200 and response.json()["home_region"] == "eu"
    assert fresh.cookies["havre_session"].startswith("eu.")


def test_a_viewer_in_eu_watches_likes_and_comments_on_a_video_from_us(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    creator = _signup(client, "sam", "us")
    video_id = upload_ready(client, h264_clip, run_jobs, caption="Bonjour #hello")
    viewer = make_client()
    viewer_me = _signup(viewer, "camille", "eu")

    feed = viewer.get("/api/feed/foryou").json()["items"]
    assert [v["id"] for v in feed] == [video_id]
    video = viewer.get(f"/api/videos/{video_id}").json()
    assert video["owner"]["handle"] == "sam" and video["hashtags"] == ["hello"]
    assert viewer.get_media(video["mp4_url"]).status_code == 200
    assert viewer.get(f"/v/{video_id}").status_code == 200
    assert viewer.get("/@sam").status_code == 200 and video_id in viewer.get("/@sam").text

    assert viewer.post(f"/api/videos/{video_id}/like").json() == {"liked": True, "like_count": 1}
    assert viewer.post(f"/api/videos/{video_id}/views", json={"watch_ms": 1500}).status_code == 204
    comment = viewer.post(f"/api/videos/{video_id}/comments", json={"body": "Superbe !"})
    assert comment.status_code == 201
    follow = viewer.post("/api/users/sam/follow")
    assert follow.json() == {"following": True, "follower_count": 1}

    # The viewer's rows live in eu; us has none of them.
    assert _count(regions, "eu", Like, Like.user_id == viewer_me["id"]) == 1
    assert _count(regions, "eu", WatchEvent) == 1 and _count(regions, "eu", Comment) == 1
    assert _count(regions, "eu", Follow) == 1
    for model in (Like, WatchEvent, Comment, Follow):
        assert _count(regions, "us", model) == 0, model
    # The creator gets anonymous counts, pushed by eu's outbox.
    run_jobs()
    with regions.get("us").session() as s:
        row = s.get(Video, video_id)
        assert row is not None
        assert (row.like_count, row.view_count, row.comment_count) == (1, 1, 1)
        assert s.get(User, creator["id"]).follower_count == 1  # type: ignore[union-attr]
    # The creator (in us) sees the comment, read from eu through the gateway.
    comments = client.get(f"/api/videos/{video_id}/comments").json()["items"]
    assert [(c["author"]["handle"], c["body"]) for c in comments] == [("camille", "Superbe !")]
    # The following feed of the eu viewer reaches the us creator.
    assert [v["id"] for v in viewer.get("/api/feed/following").json()["items"]] == [video_id]

    # Every crossing is in the audit chain of the region that was read, naming eu but never the viewer.
    with regions.get("us").session() as s:
        entries = s.scalars(select(AuditEntry)).all()
        assert verify_chain(s) == []
    assert entries and all(e.from_region == "eu" for e in entries)
    assert {e.actor for e in entries} <= {"eu:member", "eu:visitor", "eu:job"}
    assert not any(viewer_me["id"] in str(e.details) for e in entries)
    assert any(e.action.endswith("add_video_counts") for e in entries)
    with regions.get("eu").session() as s:
        assert {e.from_region for e in s.scalars(select(AuditEntry))} == {"us"}  # the creator read comments
    report = audit_residency(client.app.state.settings, regions)  # type: ignore[attr-defined]
    assert report.ok, report.as_dict()


def test_followers_only_videos_cross_regions_only_for_followers(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    _signup(client, "sam", "us")
    video_id = upload_ready(client, h264_clip, run_jobs, visibility="followers")
    follower, stranger = make_client(), make_client()
    _signup(follower, "camille", "eu")
    _signup(stranger, "noor", "eu")
    follower.post("/api/users/sam/follow")
    assert follower.get(f"/api/videos/{video_id}").status_code == 200
    assert stranger.get(f"/api/videos/{video_id}").status_code == 404
    video = follower.get(f"/api/videos/{video_id}").json()
    assert follower.get_media(video["mp4_url"]).status_code == 200
    assert stranger.get(video["mp4_url"], follow_redirects=False).status_code == 404
    assert [v["id"] for v in follower.get("/api/users/sam/videos").json()["items"]] == [video_id]
    assert stranger.get("/api/users/sam/videos").json()["items"] == []


def test_deleting_a_video_clears_likes_and_comments_in_every_region(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    _signup(client, "sam", "us")
    video_id = upload_ready(client, h264_clip, run_jobs)
    viewer = make_client()
    _signup(viewer, "camille", "eu")
    viewer.post(f"/api/videos/{video_id}/like")
    viewer.post(f"/api/videos/{video_id}/comments", json={"body": "wow"})
    run_jobs()
    assert client.delete(f"/api/videos/{video_id}").status_code == 204
    run_jobs()
    assert _count(regions, "eu", Like) == 0 and _count(regions, "eu", Comment) == 0
    assert regions.directory.region_of_video(video_id) is None
    assert list(regions.get("us").blobs.keys()) == []


def test_a_creator_removes_a_comment_written_from_another_region(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    _signup(client, "sam", "us")
    video_id = upload_ready(client, h264_clip, run_jobs)
    troll, bystander = make_client(), make_client()
    _signup(troll, "troll", "eu")
    _signup(bystander, "noor", "eu")
    comment_id = troll.post(f"/api/videos/{video_id}/comments", json={"body": "rude"}).json()["id"]
    run_jobs()
    assert bystander.delete(f"/api/comments/{comment_id}").status_code == 403  # not theirs, not their video
    assert client.delete("/api/comments/nope").status_code == 404
    assert client.delete(f"/api/comments/{comment_id}").status_code == 204  # the creator, from us
    assert _count(regions, "eu", Comment) == 0
    assert client.get(f"/api/videos/{video_id}/comments").json()["items"] == []
    with regions.get("us").session() as s:
        assert s.get(Video, video_id).comment_count == 0  # type: ignore[union-attr]
    with regions.get("eu").session() as s:  # eu's log says a us member removed one of its members' comments
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action.like("%remove_comment"))).one()
        assert entry.from_region == "us" and entry.actor == "us:member" and entry.subject_commitments
