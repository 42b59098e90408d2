"""Cold start: a new member who chose interests gets them first, one who chose nothing gets the
most engaged-with first, a visitor gets a feed; and as a member watches, what they watch decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from havre.regions import Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos


def _page(client: ApiClient, limit: int = 10, **headers: str) -> list[dict[str, Any]]:
    response = client.get("/api/feed/foryou", params={"limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _choose(client: ApiClient, tags: list[str]) -> None:
    response = client.put("/api/me/interests", json={"tags": tags})
    assert response.status_code == 200, response.text


def _cooking_and_skating(regions: Regions, make_client: Callable[[], ApiClient]) -> tuple[list[str], list[str]]:
    """Three videos each by @chef0, @chef1 (cooking, watched to the end more often) and @rider0,
    @rider1 (skating); every one shown often enough not to be tried out as new."""
    cooking: list[str] = []
    skating: list[str] = []
    for n in range(2):
        make_client().signup(f"chef{n}")
        cooking += add_videos(regions, f"chef{n}", [f"Crêpes #cuisine #recette {k}" for k in range(3)],
                              plays=100, completes=60, age_minutes=60 + n)
        make_client().signup(f"rider{n}")
        skating += add_videos(regions, f"rider{n}", [f"Kickflip #skate #street {k}" for k in range(3)],
                              plays=100, completes=40, age_minutes=60 + n)
    return cooking, skating


def test_a_new_member_who_chose_skate_gets_skating_first_and_is_told_why(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    cooking, skating = _cooking_and_skating(regions, make_client)
    client.signup("newcomer")
    _choose(client, ["#skate"])
    first = _page(client)
    assert {v["id"] for v in first[:6]} == set(skating), "the chosen interest leads, ahead of more popular cooking"
    assert {v["why"] for v in first[:6]} == {"Because you chose #skate"}
    assert {v["id"] for v in first[6:]} <= set(cooking)
    french = client.get("/api/feed/foryou", headers={"Accept-Language": "fr"}).json()["items"]
    assert french[0]["why"] == "Parce que tu as choisi #skate"


def test_what_a_member_watches_soon_outweighs_what_they_chose(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    cooking, skating = _cooking_and_skating(regions, make_client)
    client.signup("newcomer")
    _choose(client, ["skate"])
    for video_id in cooking[:3]:  # @chef0's three, watched to the end and again
        assert client.post(f"/api/videos/{video_id}/views", json={"watch_ms": 9000, "completed": True}).status_code \
            == 204
        assert client.post("/api/events", json={"events": [{"video_id": video_id, "kind": "loop"}]}).status_code \
            == 204
    page = _page(client)
    # Cooking leads now (the looped ones may come back: watched again, they are wanted again).
    assert {v["id"] for v in page[:6]} == set(cooking), [v["why"] for v in page]
    assert page[0]["why"] == "Because you watched @chef0 to the end"
    assert {v["why"] for v in page if v["id"] in skating} == {"Because you chose #skate"}


def test_without_interests_a_member_and_a_visitor_get_the_most_engaged_with_first(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    by_completes = {}
    for completes in (80, 50, 20, 5):  # one creator each, so no diversity rule reorders them
        handle = f"maker{completes}"
        make_client().signup(handle)
        (by_completes[completes],) = add_videos(regions, handle, [f"Clip by {handle}"], plays=100,
                                                completes=completes, age_minutes=60 + completes)
    expected = [by_completes[c] for c in (80, 50, 20, 5)]
    client.signup("newcomer")
    member = _page(client)
    assert [v["id"] for v in member] == expected
    assert {v["why"] for v in member} == {"Popular on Havre"}
    with make_client() as visitor:
        seen = _page(visitor)
        assert [v["id"] for v in seen] == expected
        assert visitor.get("/api/interests/suggested").json() == {"tags": [], "chosen": []}  # no hashtags here
