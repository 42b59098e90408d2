from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload_ready


def _feed_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="feed-config" type="application/json">(.*?)</script>', html, re.S)
    assert match
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def test_feed_page_speaks_the_browsers_language_and_remembers_a_choice(client: ApiClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert '<html lang="fr">' in page and "Pour toi" in page and "Abonnements" in page
    assert _feed_config(page)["strings"]["copied"] == "Lien copié"
    english = client.get("/", headers={"Accept-Language": "en-US"}).text
    assert "For You" in english
    response = client.post("/settings/language", data={"language": "fr", "next": "/tag/x"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tag/x"
    assert "Pour toi" in client.get("/", headers={"Accept-Language": "en-US"}).text


def test_share_page_has_opengraph_tags_and_starts_with_the_video(
        client: ApiClient, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = upload_ready(client, h264_clip, run_jobs, caption="Crêpes <b>#recette</b>")
    page = client.get(f"/v/{vid}").text
    assert '<meta property="og:type" content="video.other">' in page
    assert f'content="http://127.0.0.1:8000/v/{vid}"' in page
    assert 'og:image" content="http://127.0.0.1:8000/media/v/' in page
    assert "Crêpes &lt;b&gt;#recette&lt;/b&gt;" in page  # escaped, never raw HTML
    assert _feed_config(page)["initial"][0]["id"] == vid
    assert client.get("/v/doesnotexist").status_code == 404


def _page_token(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_signup_login_logout_through_the_forms(app: FastAPI) -> None:
    with ApiClient(app) as browser:
        page = browser.get("/signup").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        bad = browser.post("/signup", data={"handle": "x", "password": PASSWORD, "csrf_token": token})
        assert bad.status_code == 400 and "Handles are 2 to 30 characters" in bad.text
        ok = browser.post("/signup", data={"handle": "nour", "password": PASSWORD, "csrf_token": token,
                                           "next": "/upload"}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/upload"
        assert "@nour" in browser.get("/@nour").text
        assert browser.get("/upload").status_code == 200
        # Signing up rotated the token: the visitor's one no longer works, the page's new one does.
        assert browser.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 403
        signed_in_token = _page_token(browser.get("/upload").text)
        assert signed_in_token != token
        assert browser.post("/logout", data={"csrf_token": signed_in_token},
                            follow_redirects=False).status_code == 303
        assert browser.get("/upload", follow_redirects=False).headers["location"] == "/login?next=/upload"
        token = _page_token(browser.get("/login").text)  # logging out rotated it again
        assert token != signed_in_token
        wrong = browser.post("/login", data={"handle": "nour", "password": "nope-nope", "csrf_token": token})
        assert wrong.status_code == 400 and "Wrong handle or password." in wrong.text
        forged = browser.post("/login", data={"handle": "nour", "password": PASSWORD, "csrf_token": "forged"})
        assert forged.status_code == 403
        offsite = browser.post("/login", data={"handle": "nour", "password": PASSWORD, "csrf_token": token,
                                               "next": "//evil.example"}, follow_redirects=False)
        assert offsite.headers["location"] == "/"


def test_profile_shows_counts_and_owner_only_badges(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("aiko")
    upload_ready(client, h264_clip, run_jobs, caption="public one")
    upload_ready(client, h264_clip, run_jobs, caption="secret one", visibility="private")
    own = client.get("/@aiko").text
    assert own.count('class="tile"') == 2 and "Private" in own
    visitor = make_client()
    assert visitor.get("/@aiko").text.count('class="tile"') == 1
    assert visitor.get("/@ghost").status_code == 404


def test_settings_update_profile_and_reject_bad_avatars(client: ApiClient, tmp_path: Path) -> None:
    client.signup("sam")
    token = client.cookies["havre_csrf"]
    saved = client.post("/settings", data={"display_name": "Sam Beats", "bio": "Loops", "csrf_token": token})
    assert saved.status_code == 200 and "Saved." in saved.text
    assert client.get("/api/me").json()["display_name"] == "Sam Beats"
    bad = client.post("/settings", data={"display_name": "Sam", "bio": "", "csrf_token": token},
                      files={"avatar": ("a.png", b"not an image", "image/png")})
    assert bad.status_code == 400 and "JPEG, PNG or WebP" in bad.text


def test_errors_speak_the_readers_language(client: ApiClient) -> None:
    client.signup("lea")
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    taken = client.post("/api/auth/signup", json={"handle": "lea", "password": PASSWORD}, headers=french)
    assert taken.json()["detail"] == "L’identifiant @lea est déjà pris\u202f; choisis-en un autre."
    assert client.get("/api/videos/nope", headers=french).json()["detail"] == \
        "Cette vidéo n’existe pas ou ne t’est pas visible."
    page = client.get("/v/nope", headers=french)
    assert page.status_code == 404 and "Cette vidéo n’existe pas" in page.text
    english = client.post("/api/auth/signup", json={"handle": "lea", "password": PASSWORD})
    assert english.json()["detail"] == "The handle @lea is taken; pick another."
