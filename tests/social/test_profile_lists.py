"""Issue 23's profile: likes received, follower and following lists, the Liked tab (private unless
made public), the pinned video, and Saved (a private collection), with every id checked."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from havre.regions import Regions
from havre.social.models import Save
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


def _member(make_client: Callable[[], ApiClient], handle: str) -> ApiClient:
    c = make_client()
    c.signup(handle)
    return c


def test_likes_received_and_the_follow_lists(client: ApiClient, make_client: Callable[[], ApiClient],
                                             h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("maker")
    vid = upload_ready(client, h264_clip, run_jobs)
    fans = [_member(make_client, f"fan{n}") for n in range(3)]
    for fan in fans:
        assert fan.post(f"/api/videos/{vid}/like").status_code == 200
        assert fan.post("/api/users/maker/follow").status_code == 200
    assert fans[0].post("/api/users/fan1/follow").status_code == 200
    user = fans[0].get("/api/users/maker").json()
    assert user["likes_received"] == 3 and user["follower_count"] == 3 and user["pinned_video_id"] is None

    page = fans[0].get("/api/users/maker/followers", params={"limit": 2}).json()
    assert [p["handle"] for p in page["items"]] == ["fan2", "fan1"]  # newest first
    assert [p["followed_by_me"] for p in page["items"]] == [False, True]
    rest = fans[0].get("/api/users/maker/followers", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [p["handle"] for p in rest["items"]] == ["fan0"] and rest["next_cursor"] is None
    following = client.get("/api/users/fan0/following").json()["items"]
    assert [p["handle"] for p in following] == ["fan1", "maker"]
    assert client.get("/api/users/nobody/followers").status_code == 404
    assert client.get("/api/users/maker/followers", params={"cursor": "garbage"}).status_code == 400
    assert client.get("/@maker/followers").status_code == 200 and "@fan2" in client.get("/@maker/followers").text
    assert "@maker" in client.get("/@fan0/following").text


def test_the_liked_tab_is_private_unless_made_public(client: ApiClient, make_client: Callable[[], ApiClient],
                                                    h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("maker")
    vid = upload_ready(client, h264_clip, run_jobs)
    liker = _member(make_client, "liker")
    other = _member(make_client, "other")
    assert liker.post(f"/api/videos/{vid}/like").status_code == 200
    assert [v["id"] for v in liker.get("/api/users/liker/liked").json()["items"]] == [vid]
    assert other.get("/api/users/liker/liked").status_code == 404
    assert make_client().get("/api/users/liker/liked").status_code == 404
    assert other.get("/@liker/liked").status_code == 404
    assert "tab-liked" not in other.get("/@liker").text
    assert liker.patch("/api/me", json={"likes_public": True}).json()["likes_public"] is True
    assert [v["id"] for v in other.get("/api/users/liker/liked").json()["items"]] == [vid]
    assert other.get("/@liker/liked").status_code == 200
    # A video made private since is not shown to others.
    assert client.patch(f"/api/videos/{vid}", json={"visibility": "private"}).status_code == 200
    assert other.get("/api/users/liker/liked").json()["items"] == []
    assert liker.patch("/api/me", json={"likes_public": False}).json()["likes_public"] is False
    assert other.get("/api/users/liker/liked").status_code == 404


def test_pin_only_ones_own_video_and_it_comes_first(client: ApiClient, make_client: Callable[[], ApiClient],
                                                   h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("maker")
    older = upload_ready(client, h264_clip, run_jobs, caption="older")
    newer = upload_ready(client, h264_clip, run_jobs, caption="newer")
    other = _member(make_client, "other")
    theirs = upload_ready(other, h264_clip, run_jobs)
    assert client.put("/api/me/pinned", json={"video_id": theirs}).status_code == 404
    assert client.put("/api/me/pinned", json={"video_id": "nonexistent"}).status_code == 404
    assert make_client().put("/api/me/pinned", json={"video_id": older}).status_code in (401, 403)
    assert client.put("/api/me/pinned", json={"video_id": older}).json()["pinned_video_id"] == older
    page = other.get("/@maker").text
    assert page.index(older) < page.index(newer) and "Pinned" in page
    assert client.delete("/api/me/pinned").json()["pinned_video_id"] is None
    page = other.get("/@maker").text
    assert page.index(newer) < page.index(older) and "Pinned" not in page


def test_saves_are_private_checked_and_idempotent(client: ApiClient, make_client: Callable[[], ApiClient],
                                                 h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("maker")
    vid = upload_ready(client, h264_clip, run_jobs)
    hidden = upload_ready(client, h264_clip, run_jobs, visibility="private")
    saver = _member(make_client, "saver")
    assert saver.post("/api/videos/nonexistent/save").status_code == 404
    assert saver.post(f"/api/videos/{hidden}/save").status_code == 404  # not visible to them
    assert make_client().post(f"/api/videos/{vid}/save").status_code in (401, 403)
    for _ in range(2):
        assert saver.post(f"/api/videos/{vid}/save").json() == {"saved": True}
    items = saver.get("/api/me/saved").json()["items"]
    assert [v["id"] for v in items] == [vid] and items[0]["saved_by_me"] is True
    assert saver.get(f"/api/videos/{vid}").status_code == 200
    assert client.get("/api/me/saved").json()["items"] == []  # saves are the saver's alone
    assert saver.get("/@saver/saved").status_code == 200 and vid in saver.get("/@saver/saved").text
    assert client.get("/@saver/saved").status_code == 404
    assert make_client().get("/api/me/saved").status_code == 401
    for _ in range(2):
        assert saver.delete(f"/api/videos/{vid}/save").json() == {"saved": False}
    assert saver.get("/api/me/saved").json()["items"] == []


def test_saving_from_eight_threads_ends_consistent(client: ApiClient, make_client: Callable[[], ApiClient],
                                                   h264_clip: Path, run_jobs: Callable[..., int],
                                                   regions: Regions) -> None:
    client.signup("maker")
    vid = upload_ready(client, h264_clip, run_jobs)
    saver = _member(make_client, "saver")

    def stored() -> int:
        with regions.default.session() as s:
            return s.scalar(select(func.count()).select_from(Save).where(Save.video_id == vid)) or 0

    def act(n: int) -> int:
        r = saver.post(f"/api/videos/{vid}/save") if n % 2 == 0 else saver.delete(f"/api/videos/{vid}/save")
        return int(r.status_code)

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(act, range(24))) == {200}  # under the 60 a minute of "save"
    assert stored() in (0, 1)
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda _: int(saver.post(f"/api/videos/{vid}/save").status_code), range(16))) == {200}
    assert stored() == 1
    assert len(saver.get("/api/me/saved").json()["items"]) == 1
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda _: int(saver.delete(f"/api/videos/{vid}/save").status_code), range(16))) == {200}
    assert stored() == 0


def test_a_deleted_video_leaves_saves(client: ApiClient, make_client: Callable[[], ApiClient],
                                      h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("maker")
    vid = upload_ready(client, h264_clip, run_jobs)
    saver = _member(make_client, "saver")
    assert saver.post(f"/api/videos/{vid}/save").status_code == 200
    assert client.delete(f"/api/videos/{vid}").status_code == 204
    run_jobs()
    assert saver.get("/api/me/saved").json()["items"] == []
