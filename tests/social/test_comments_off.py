"""Comments off is off for everyone, the creator included, and holds against comments in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from havre.regions import Regions
from havre.social.models import Comment
from havre.videos.access import access_video
from havre.web.api import social as social_api
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


def _fan(make_client: Callable[[], ApiClient], handle: str) -> ApiClient:
    fan = make_client()
    fan.signup(handle)
    return fan


def _stored(regions: Regions, video_id: str) -> int:
    with regions.default.session() as s:
        return s.scalar(select(func.count()).select_from(Comment).where(Comment.video_id == video_id)) or 0


def test_no_one_comments_while_off_the_creator_included(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs, allow_comments="false")
    fan = _fan(make_client, "fan")
    for who in (fan, client):
        refused = who.post(f"/api/videos/{vid}/comments", json={"body": "hello"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"] == "Comments are turned off for this video."
    french = fan.post(f"/api/videos/{vid}/comments", json={"body": "salut"}, headers={"Accept-Language": "fr"})
    assert french.json()["detail"] == "Les commentaires sont désactivés pour cette vidéo."
    assert client.get(f"/api/videos/{vid}/comments").json() == {"items": [], "allow_comments": False}
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == 0


def test_the_owner_turns_comments_off_and_on_and_earlier_comments_are_hidden_meanwhile(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    fan = _fan(make_client, "fan")
    assert fan.post(f"/api/videos/{vid}/comments", json={"body": "first"}).status_code == 201

    off = client.patch(f"/api/videos/{vid}", json={"allow_comments": False})
    assert off.status_code == 200 and off.json()["allow_comments"] is False
    assert fan.get(f"/api/videos/{vid}").json()["allow_comments"] is False
    assert fan.get(f"/api/videos/{vid}/comments").json()["items"] == []  # hidden, as TikTok does
    assert fan.post(f"/api/videos/{vid}/comments", json={"body": "second"}).status_code == 403
    assert client.patch(f"/api/videos/{vid}", json={"caption": "still off"}).json()["allow_comments"] is False

    on = client.patch(f"/api/videos/{vid}", json={"allow_comments": True})
    assert on.status_code == 200 and on.json()["allow_comments"] is True
    assert [c["body"] for c in fan.get(f"/api/videos/{vid}/comments").json()["items"]] == ["first"]
    assert client.post(f"/api/videos/{vid}/comments", json={"body": "back"}).status_code == 201
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == 2


def test_only_the_owner_may_turn_comments_off(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    intruder = _fan(make_client, "intruder")
    assert intruder.patch(f"/api/videos/{vid}", json={"allow_comments": False}).status_code == 404
    anonymous = make_client()
    assert anonymous.patch(f"/api/videos/{vid}", json={"allow_comments": False}).status_code == 401
    assert client.get(f"/api/videos/{vid}").json()["allow_comments"] is True
    assert intruder.post(f"/api/videos/{vid}/comments", json={"body": "still on"}).status_code == 201
    assert client.patch(f"/api/videos/{vid}", json={"allow_comments": False}).json()["allow_comments"] is False
    assert intruder.patch(f"/api/videos/{vid}", json={"allow_comments": True}).status_code == 404
    assert intruder.get(f"/api/videos/{vid}").json()["allow_comments"] is False


def test_a_comment_that_saw_comments_on_is_refused_when_off_commits_before_it(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The worst interleaving, made certain: each comment request has read the video (comments
    on) when the creator's "off" commits; none of them may be stored after it."""
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    fans = [_fan(make_client, f"fan{n}") for n in range(3)]
    have_read = threading.Barrier(len(fans) + 1, timeout=30)
    off_committed = threading.Event()

    def access_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = access_video(*args, **kwargs)
        have_read.wait()
        assert off_committed.wait(30)
        return found

    monkeypatch.setattr(social_api, "access_video", access_then_wait)
    with ThreadPoolExecutor(len(fans)) as pool:
        posts = [pool.submit(fan.post, f"/api/videos/{vid}/comments", json={"body": "in flight"}) for fan in fans]
        have_read.wait()
        assert client.patch(f"/api/videos/{vid}", json={"allow_comments": False}).status_code == 200
        off_committed.set()
        statuses = [p.result(60).status_code for p in posts]
    assert statuses == [403] * len(fans)
    assert _stored(regions, vid) == 0
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == 0


def test_comments_racing_the_off_switch_are_all_stored_before_it_or_refused(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    """Free-running threads: whatever the order, the comments stored once "off" has committed are
    all there are in the end, and the count agrees with the rows."""
    client.signup("creator")
    vid = upload_ready(client, h264_clip, run_jobs)
    fans = [_fan(make_client, f"fan{n}") for n in range(4)]
    started = threading.Barrier(len(fans) + 1, timeout=30)

    def post_some(fan: ApiClient) -> list[int]:
        started.wait()
        return [fan.post(f"/api/videos/{vid}/comments", json={"body": f"c{i}"}).status_code for i in range(8)]

    with ThreadPoolExecutor(len(fans)) as pool:
        results = [pool.submit(post_some, fan) for fan in fans]
        started.wait()
        deadline = time.monotonic() + 30
        while _stored(regions, vid) < len(fans):  # turn off mid-stream, with more comments coming
            assert time.monotonic() < deadline, "no comment was stored"
            time.sleep(0.005)
        assert client.patch(f"/api/videos/{vid}", json={"allow_comments": False}).status_code == 200
        stored_when_off = _stored(regions, vid)
        statuses = [status for r in results for status in r.result(120)]
    assert set(statuses) <= {201, 403}
    assert _stored(regions, vid) == stored_when_off == statuses.count(201)
    assert client.get(f"/api/videos/{vid}").json()["comment_count"] == stored_when_off
