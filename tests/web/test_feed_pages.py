"""The feed pages around a creator: a video opened from a profile, the follow button's words, the bar."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _feed_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="feed-config" type="application/json">(.*?)</script>', html, re.S)
    assert match
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def _nav(html: str) -> str:
    match = re.search(r'<nav class="nav".*?</nav>', html, re.S)
    assert match
    return match.group(0)


def test_a_video_opened_from_a_profile_goes_on_with_that_creators_older_videos(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    oldest, middle, newest = (upload_ready(client, h264_clip, run_jobs, caption=c) for c in ("one", "two", "three"))
    visitor = make_client()
    profile = visitor.get("/@lea").text
    tiles = re.findall(r'<a href="([^"]+)" class="tile">', profile)
    assert tiles == [f"/@lea/video/{v}" for v in (newest, middle, oldest)]

    page = visitor.get(f"/@lea/video/{middle}")
    assert page.status_code == 200
    config = _feed_config(page.text)
    assert [v["id"] for v in config["initial"]] == [middle]
    assert config["api"] == "/api/users/lea/videos"
    rest = visitor.get(config["api"], params={"cursor": config["cursor"]}).json()
    assert [v["id"] for v in rest["items"]] == [oldest] and rest["next_cursor"] is None  # then the feed ends

    wrong = visitor.get(f"/@someone/video/{middle}", follow_redirects=False)
    assert wrong.status_code == 301 and wrong.headers["location"] == f"/@lea/video/{middle}"
    assert visitor.get("/@lea/video/nope").status_code == 404


def test_a_followed_creators_button_says_followed_not_the_tabs_name(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    upload_ready(client, h264_clip, run_jobs)
    fan = make_client()
    fan.signup("nour")
    assert fan.post("/api/users/lea/follow").status_code == 200
    feed = fan.get("/", headers=FRENCH).text
    assert _feed_config(feed)["strings"]["followingButton"] == "Abonné·e"
    assert ">Abonnements</a>" in feed  # the tab keeps its name
    profile = fan.get("/@lea", headers=FRENCH).text
    assert re.search(r'id="follow-btn"[^>]*data-label-following="Abonné·e"[^>]*>\s*Abonné·e</button>', profile)
    english = fan.get("/@lea").text
    assert re.search(r'id="follow-btn"[^>]*>\s*Following</button>', english)


def test_the_bar_holds_feeds_upload_profile_and_settings_hold_the_account(
        client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    visitor = make_client()
    bar = _nav(visitor.get("/", headers=FRENCH).text)
    assert 'href="/signup"' in bar and "S’inscrire" in bar and 'name="language"' in bar
    client.signup("sam")
    bar = _nav(client.get("/", headers=FRENCH).text)
    assert re.findall(r'<span>([^<]+)</span>', bar) == ["Accueil", "Publier", "Profil", "Réglages"]
    assert "/logout" not in bar and 'name="language"' not in bar
    settings = client.get("/settings", headers=FRENCH).text
    assert 'action="/logout"' in settings and "Se déconnecter" in settings
    assert re.search(r'action="/settings/language".*name="next" value="/settings".*<select id="language"',
                     settings, re.S)
