"""For You learns from what a viewer does, at once: taste that moves, "not interested", fresh
videos tried out, a session that pages without repeats, and the reason each video is there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from havre.regions import Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos


def _page(client: ApiClient, cursor: str | None = None, limit: int = 10) -> dict[str, Any]:
    response = client.get("/api/feed/foryou", params={"limit": limit, **({"cursor": cursor} if cursor else {})})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _watch_to_the_end(client: ApiClient, video_ids: list[str]) -> None:
    for video_id in video_ids:
        view = client.post(f"/api/videos/{video_id}/views", json={"watch_ms": 9000, "completed": True})
        loop = client.post("/api/events", json={"events": [{"video_id": video_id, "kind": "loop"}]})
        assert view.status_code == loop.status_code == 204


def _two_tastes(regions: Regions, client: ApiClient,
                make_client: Callable[[], ApiClient]) -> tuple[list[str], list[str]]:
    """Cooking videos by @chef0..3 and skating videos by @rider0..3, five each, all equally popular."""
    cooking: list[str] = []
    skating: list[str] = []
    for n in range(4):
        for handle, captions, ids in ((f"chef{n}", "Crêpes #cuisine #recette", cooking),
                                      (f"rider{n}", "Kickflip #skate #street", skating)):
            make_client().signup(handle)
            ids += add_videos(regions, handle, [f"{captions} {k}" for k in range(5)], plays=50, completes=20,
                              age_minutes=60 + n)
    return cooking, skating


def test_a_viewer_whose_taste_moves_gets_more_of_the_new_taste_on_the_next_page(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    cooking, skating = _two_tastes(regions, client, make_client)
    client.signup("viewer")
    _watch_to_the_end(client, cooking[:3])
    first = _page(client)
    assert sum(v["id"] in cooking for v in first["items"]) >= 7, "cooking, watched to the end, leads"
    # Now skating: three videos watched to the end and looped. The very next page follows.
    _watch_to_the_end(client, skating[:3])
    following = _page(client, first["next_cursor"])
    top = [v["id"] for v in following["items"][:5]]
    assert sum(v in skating for v in top) >= 3, following["items"]
    assert not {v["id"] for v in following["items"]} & {v["id"] for v in first["items"]}
    assert any(v["why"].startswith("Because you watched @rider") and v["why"].endswith(" to the end")
               for v in following["items"])


def test_not_interested_removes_the_video_and_turns_its_creator_down(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    cooking, skating = _two_tastes(regions, client, make_client)
    client.signup("viewer")
    first = _page(client, limit=4)
    disliked = next(v for v in first["items"] if v["owner"]["handle"].startswith("chef"))
    muted = disliked["owner"]["handle"]
    response = client.post("/api/events", json={"events": [{"video_id": disliked["id"], "kind": "not_interested"}]})
    assert response.status_code == 204
    rest = _page(client, first["next_cursor"], limit=10)
    assert all(v["owner"]["handle"] != muted for v in rest["items"]), [v["owner"]["handle"] for v in rest["items"]]
    fresh = _page(client, limit=20)  # a new session remembers it too
    handles = [v["owner"]["handle"] for v in fresh["items"]]
    assert disliked["id"] not in {v["id"] for v in fresh["items"]}
    assert muted not in handles[:15], handles


def test_a_new_video_is_tried_out_among_popular_ones(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    make_client().signup("star")
    add_videos(regions, "star", [f"Hit {n}" for n in range(60)], plays=5000, completes=3000)
    make_client().signup("newcomer")
    (fresh,) = add_videos(regions, "newcomer", ["My very first video"], age_minutes=1)
    shown_at = []
    for _ in range(5):
        with make_client() as visitor:
            ids = [v["id"] for v in _page(visitor)["items"]]
            shown_at.append(ids.index(fresh) if fresh in ids else None)
    assert all(at is not None for at in shown_at), shown_at
    page = _page(client)
    assert next(v["why"] for v in page["items"] if v["id"] == fresh) == "New, being tried out"


def test_a_session_pages_through_every_video_once_and_in_a_stable_order(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    _two_tastes(regions, client, make_client)
    client.signup("viewer")
    seen: list[str] = []
    cursor = None
    while True:
        page = _page(client, cursor, limit=7)
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 40
    # No two in a row by the same creator while others have videos left.
    owners = [_page_owner(client, video_id) for video_id in seen[:30]]
    assert all(a != b for a, b in zip(owners, owners[1:], strict=False)), owners
    assert client.get("/api/feed/foryou", params={"cursor": "not a cursor"}).status_code == 400


def _page_owner(client: ApiClient, video_id: str) -> str:
    handle: str = client.get(f"/api/videos/{video_id}").json()["owner"]["handle"]
    return handle


def test_new_videos_of_followed_creators_say_so(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    _two_tastes(regions, client, make_client)
    client.signup("viewer")
    assert client.post("/api/users/rider2/follow").status_code == 200
    page = _page(client)
    assert page["items"][0]["owner"]["handle"] == "rider2"
    assert page["items"][0]["why"] == "New from @rider2, whom you follow"
    french = client.get("/api/feed/foryou", headers={"Accept-Language": "fr"}).json()["items"]
    assert any(v["why"] == "Nouveau chez @rider2, que tu suis" for v in french)


def test_the_players_events_are_checked_and_kept_only_for_members(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    from sqlalchemy import func, select

    from havre.recs.events import FeedEvent

    def stored() -> int:
        with regions.default.session() as s:
            return s.scalar(select(func.count()).select_from(FeedEvent)) or 0

    make_client().signup("maker")
    (video,) = add_videos(regions, "maker", ["Clip"])
    with make_client() as visitor:
        assert visitor.post("/api/events", json={"events": [{"video_id": video, "kind": "play"}]}).status_code == 204
        assert visitor.post("/api/events", json={"events": [{"video_id": "abc", "kind": "play"}]}).status_code == 404
    assert stored() == 0  # a visitor's are dropped
    client.signup("viewer")
    bad = client.post("/api/events", json={"events": [{"video_id": "abc", "kind": "play"},
                                                      {"video_id": "abc", "kind": "complete"}]})
    assert bad.status_code == 400 and "Event 1 has an unknown kind 'complete'" in bad.json()["detail"]
    assert client.post("/api/events", json={"events": [{"video_id": "a b", "kind": "play"}]}).status_code == 400
    too_many = client.post("/api/events", json={"events": [{"video_id": "abc", "kind": "play"}] * 201})
    assert too_many.status_code == 422
    assert stored() == 0  # nothing of a refused batch is kept
    ok = client.post("/api/events", json={"events": [{"video_id": video, "kind": "impression"}] * 200})
    assert ok.status_code == 204 and stored() == 200


def test_a_session_goes_on_past_its_stored_list_without_repeats_until_its_end(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from havre.feed import lists

    monkeypatch.setattr(lists, "LIST_SIZE", 8)  # a list starts with 8, is extended near its end,
    monkeypatch.setattr(lists, "MAX_ITEMS", 30)  # and a session ends after 30 (of the 40 videos)
    _two_tastes(regions, client, make_client)
    client.signup("viewer")
    seen: list[str] = []
    cursors: set[str] = set()
    cursor = None
    for _ in range(10):
        page = _page(client, cursor, limit=7)
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        cursors.add(cursor.split(".")[0])
    assert cursor is None and len(seen) == len(set(seen)) == 30
    assert len(cursors) == 1  # one list all along


def test_a_video_seen_once_is_left_out_but_one_watched_again_may_come_back(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    make_client().signup("maker")
    once, twice, other = add_videos(regions, "maker", ["Once", "Twice", "Other"], plays=50, completes=20)
    client.signup("viewer")
    for video_id, views in ((once, 1), (twice, 2)):
        for _ in range(views):
            response = client.post(f"/api/videos/{video_id}/views", json={"watch_ms": 4000, "completed": False})
            assert response.status_code == 204
    ids = {v["id"] for v in _page(client)["items"]}
    assert ids == {twice, other}


def _follow(client: ApiClient, handle: str) -> None:
    response = client.post(f"/api/users/{handle}/follow")
    assert response.status_code in (200, 201, 204), response.text


def _all_pages(client: ApiClient, url: str, pages: int, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(pages):
        response = client.get(url, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        seen += [v["id"] for v in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    return seen


def test_not_interested_lasts_however_far_the_member_scrolls(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    """Issue 23: a marked video came back about 45 swipes later (it had left the latest events)."""
    make_client().signup("prolific")
    ids = add_videos(regions, "prolific", [f"Clip {n} #daily" for n in range(60)], plays=50, completes=20)
    client.signup("viewer")
    _follow(client, "prolific")
    first = _page(client, limit=5)
    marked = first["items"][0]["id"]
    sent = client.post("/api/events", json={"events": [{"video_id": marked, "kind": "not_interested"}]})
    assert sent.status_code == 204
    # Then swipe through everything else, the way the player reports it: far more events than
    # the latest ones For You reads.
    others = [v for v in ids if v != marked]
    player = [{"video_id": v, "kind": kind} for v in others for kind in ("impression", "play", "skip", "loop")]
    for start in range(0, len(player), 200):
        assert client.post("/api/events", json={"events": player[start:start + 200]}).status_code == 204
    for _ in range(3):  # a reload each time: a new session over the same history
        shown = _all_pages(client, "/api/feed/foryou", pages=10, limit=10)
        assert shown, "For You still has videos to show"
        assert marked not in shown
    following = _all_pages(client, "/api/feed/following", pages=20, limit=7)
    assert marked not in following
    assert set(following) == set(others), "Following skips only the marked video, and pages on past it"
