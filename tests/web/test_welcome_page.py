""""Choose your interests": signing up from the feed leads to /welcome, whose chips are this
instance's hashtags; the interests API offers them to anyone and saves a member's choice, with
CSRF, refusing a bad body with a message that says what was wrong."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from havre.regions import Regions
from tests.conftest import PASSWORD, ApiClient
from tests.feed.rows import add_videos
from tests.videos.helpers import upload_ready


def test_suggestions_are_the_hashtags_of_this_instances_videos(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    client.signup("marco")
    upload_ready(client, h264_clip, run_jobs, caption="Kickflip #Skate #slowmo")
    upload_ready(client, h264_clip, run_jobs, caption="Secret #private", visibility="private")
    add_videos(regions, "marco", ["Crêpes #cuisine", "Encore #cuisine #dessert"], plays=60, completes=40)
    with make_client() as visitor:
        offered = visitor.get("/api/interests/suggested").json()
    assert offered["chosen"] == [] and offered["tags"][0] == "cuisine"  # on two videos, both engaged with
    assert set(offered["tags"]) == {"cuisine", "dessert", "skate", "slowmo"}  # a private video's are not offered
    assert client.put("/api/me/interests", json={"tags": ["slowmo", "#Velo"]}).json() == {"tags": ["slowmo", "velo"]}
    mine = client.get("/api/interests/suggested").json()
    assert mine["chosen"] == ["slowmo", "velo"] and mine["tags"][:2] == ["slowmo", "velo"]
    assert set(mine["tags"]) == {"cuisine", "dessert", "skate", "slowmo", "velo"}


def test_the_interests_of_a_member_need_a_session_and_csrf(client: ApiClient, app: FastAPI) -> None:
    with ApiClient(app) as visitor:
        visitor.prime_csrf()
        assert visitor.get("/api/me/interests").status_code == 401
        assert visitor.put("/api/me/interests", json={"tags": ["skate"]}).status_code == 401
    client.signup("nina")
    assert client.get("/api/me/interests").json() == {"tags": []}
    forged = client.put("/api/me/interests", json={"tags": ["skate"]}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert client.get("/api/me/interests").json() == {"tags": []}
    assert client.put("/api/me/interests", json={"tags": ["skate", "art"]}).status_code == 200
    assert client.get("/api/me/interests").json() == {"tags": ["art", "skate"]}


def test_a_bad_body_is_refused_saying_what_was_wrong(client: ApiClient) -> None:
    client.signup("nina")
    client.put("/api/me/interests", json={"tags": ["skate"]})
    bad = client.put("/api/me/interests", json={"tags": ["art", "no spaces"]})
    assert bad.status_code == 400 and bad.json()["field"] == "tags"
    assert bad.json()["detail"].startswith("“no spaces” is not a hashtag")
    french = client.put("/api/me/interests", json={"tags": ["a-b"]}, headers={"Accept-Language": "fr"})
    assert french.status_code == 400 and french.json()["detail"].startswith("«\u202fa-b\u202f» n’est pas un hashtag")
    too_many = client.put("/api/me/interests", json={"tags": [f"t{n}" for n in range(11)]})
    assert too_many.status_code == 400 and too_many.json()["detail"] == "Choose at most 10 interests."
    assert client.put("/api/me/interests", json={"tags": "skate"}).status_code == 422
    assert client.put("/api/me/interests", json={"tags": [1, 2]}).status_code == 422
    assert client.put("/api/me/interests", json={}).status_code == 422
    huge = client.put("/api/me/interests", content=b'{"tags": ["' + b"x" * 70_000 + b'"]}',
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert client.get("/api/me/interests").json() == {"tags": ["skate"]}  # nothing refused was kept


def test_signing_up_from_the_feed_leads_to_the_welcome_page(
        app: FastAPI, client: ApiClient, regions: Regions) -> None:
    client.signup("marco")
    add_videos(regions, "marco", ["Kickflip #skate", "Crêpes #cuisine"], plays=60, completes=30)
    with ApiClient(app) as browser:
        assert browser.get("/welcome", follow_redirects=False).headers["location"] == "/login?next=/welcome"
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signup").text)
        assert token is not None
        signed = browser.post("/signup", data={"handle": "nour", "password": PASSWORD, "csrf_token": token.group(1),
                                               "next": "/"}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/welcome"
        page = browser.get("/welcome").text
        assert "Choose your interests" in page and 'src="/static/welcome.js"' in page
        chips = re.findall(r'<button type="button" class="chip" data-tag="(\w+)" aria-pressed="(\w+)">', page)
        assert sorted(chips) == [("cuisine", "false"), ("skate", "false")]
        browser.headers["X-CSRF-Token"] = browser.cookies["havre_csrf"]
        assert browser.put("/api/me/interests", json={"tags": ["skate"]}).status_code == 200
        assert 'data-tag="skate" aria-pressed="true"' in browser.get("/welcome").text
        french = browser.get("/welcome", headers={"Accept-Language": "fr"}).text
        assert "Choisis tes centres d’intérêt" in french and "Passer" in french
        assert 'href="/welcome"' in browser.get("/settings").text  # to change them later
