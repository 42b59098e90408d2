from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


def test_likes_are_idempotent_and_counted(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    fan = make_client()
    fan.signup("fan")
    assert fan.post(f"/api/videos/{vid}/like").json() == {"liked": True, "like_count": 1}
    assert fan.post(f"/api/videos/{vid}/like").json() == {"liked": True, "like_count": 1}
    assert fan.get(f"/api/videos/{vid}").json()["liked_by_me"] is True
    assert client.get(f"/api/videos/{vid}").json()["liked_by_me"] is False
    assert fan.delete(f"/api/videos/{vid}/like").json() == {"liked": False, "like_count": 0}


def test_comments_post_list_validate_and_delete(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    fan = make_client()
    fan.signup("fan")
    posted = fan.post(f"/api/videos/{vid}/comments", json={"body": "  Trop beau <script>  "})
    assert posted.status_code == 201 and posted.json()["body"] == "Trop beau <script>"
    assert fan.post(f"/api/videos/{vid}/comments", json={"body": "   "}).status_code == 400
    assert fan.post(f"/api/videos/{vid}/comments", json={"body": "x" * 1001}).status_code == 400
    listed = client.get(f"/api/videos/{vid}/comments").json()["items"]
    assert [(c["author"]["handle"], c["body"]) for c in listed] == [("fan", "Trop beau <script>")]
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == 1
    intruder = make_client()
    intruder.signup("intruder")
    assert intruder.delete(f"/api/comments/{listed[0]['id']}").status_code == 403
    assert client.delete(f"/api/comments/{listed[0]['id']}").status_code == 204  # the video's owner may
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == 0


def test_follow_counts_and_self_follow(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    client.signup("creator")
    fan = make_client()
    fan.signup("fan")
    assert fan.post("/api/users/creator/follow").json() == {"following": True, "follower_count": 1}
    assert fan.get("/api/me").json()["following_count"] == 1
    assert fan.post("/api/users/fan/follow").status_code == 400
    assert fan.post("/api/users/nobody/follow").status_code == 404
    assert fan.delete("/api/users/creator/follow").json() == {"following": False, "follower_count": 0}


def test_share_returns_the_absolute_video_url(client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    shared = client.post(f"/api/videos/{vid}/share").json()
    assert shared == {"share_count": 1, "url": f"http://127.0.0.1:8000/v/{vid}"}
