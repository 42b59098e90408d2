"""The language a page speaks: the member's choice saved to their account (every device), else the
visitor's picker (a cookie), else the browser's Accept-Language, else English."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.regions import Regions
from havre.web.i18n import LANG_COOKIE
from tests.conftest import PASSWORD, ApiClient

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _saved_language(regions: Regions, handle: str) -> str | None:
    with regions.default.session() as s:
        return s.scalar(select(User.language).where(User.handle == handle))


def _pick(client: ApiClient, language: str, next: str = "/settings") -> None:
    response = client.post("/settings/language", data={"language": language, "next": next},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == next


def test_a_members_choice_is_saved_and_read_on_every_device(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    client.signup("lea")
    assert _saved_language(regions, "lea") is None  # follows the browser until chosen
    assert '<html lang="en">' in client.get("/settings", headers=ENGLISH).text
    _pick(client, "fr")
    assert _saved_language(regions, "lea") == "fr"
    assert '<html lang="fr">' in client.get("/", headers=ENGLISH).text
    # The account's choice, not this browser's cookie: without the cookie, still French, API included.
    client.cookies.delete(LANG_COOKIE)
    assert "Réglages" in client.get("/settings", headers=ENGLISH).text
    assert client.get("/api/videos/nope", headers=ENGLISH).json()["detail"] == \
        "Cette vidéo n’existe pas ou ne t’est pas visible."
    # Another device, an English browser: logging in brings the choice along.
    phone = make_client()
    login = phone.post("/login", data={"handle": "lea", "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert login.status_code == 303 and phone.cookies.get(LANG_COOKIE) == "fr"
    assert '<html lang="fr">' in phone.get("/", headers=ENGLISH).text


def test_the_account_comes_before_the_cookie_and_the_browser(client: ApiClient, regions: Regions) -> None:
    client.signup("sam")
    _pick(client, "en")
    client.cookies.set(LANG_COOKIE, "fr")  # a choice made on this browser before, as a visitor
    assert '<html lang="en">' in client.get("/", headers=FRENCH).text


def test_same_as_my_browser_forgets_the_choice(client: ApiClient, regions: Regions) -> None:
    client.signup("noe")
    _pick(client, "fr")
    settings = client.get("/settings", headers=ENGLISH).text
    assert '<option value="fr" lang="fr" selected>' in settings and "Comme mon navigateur" in settings
    _pick(client, "")
    assert _saved_language(regions, "noe") is None and LANG_COOKIE not in client.cookies
    assert '<html lang="en">' in client.get("/settings", headers=ENGLISH).text
    assert '<html lang="fr">' in client.get("/settings", headers=FRENCH).text
    assert '<option value="" selected>Comme mon navigateur</option>' in client.get("/settings", headers=FRENCH).text


def test_an_unknown_language_changes_nothing(client: ApiClient, regions: Regions) -> None:
    client.signup("ana")
    _pick(client, "fr")
    _pick(client, "xx")
    _pick(client, "fr-CA-x-verylong")
    assert _saved_language(regions, "ana") == "fr"


def test_a_visitor_picks_with_the_cookie_and_can_go_back_to_the_browser(client: ApiClient) -> None:
    page = client.get("/", headers=ENGLISH).text
    assert 'action="/settings/language"' in page and "Same as my browser" not in page  # the bar's picker
    _pick(client, "fr", next="/")
    assert client.cookies.get(LANG_COOKIE) == "fr"
    assert '<html lang="fr">' in client.get("/login", headers=ENGLISH).text
    _pick(client, "", next="/")
    assert '<html lang="en">' in client.get("/login", headers=ENGLISH).text


def test_the_picker_needs_the_pages_token(make_client: Callable[[], ApiClient], regions: Regions) -> None:
    client = make_client()
    client.signup("max")
    del client.headers["X-CSRF-Token"]
    refused = client.post("/settings/language", data={"language": "fr", "next": "/"}, follow_redirects=False)
    assert refused.status_code == 403 and _saved_language(regions, "max") is None


def test_the_once_a_day_refusal_says_when_as_a_timestamp(
        client: ApiClient, run_jobs: Callable[..., int]) -> None:
    client.signup("eve")
    first = client.post("/api/me/exports").json()
    run_jobs({"portability.build_export"})
    again = client.post("/api/me/exports")
    assert again.status_code == 429
    when = datetime.fromisoformat(again.json()["retry_at"])
    assert when == datetime.fromisoformat(first["created_at"]) + timedelta(days=1)
    assert 0 < int(again.headers["Retry-After"]) <= 86400 and when > utcnow()


def test_settings_say_how_long_an_archive_takes_in_the_readers_words(client: ApiClient) -> None:
    client.signup("ivy")
    english = client.get("/settings", headers=ENGLISH).text
    assert "This usually takes a few seconds; large accounts take longer." in english
    assert "takes a few minutes" not in english.split("Download my data")[1]
    assert _strings(english)["starting"] == "Starting…" and "%(when)s" in _strings(english)["tooSoon"]
    assert _strings(client.get("/settings", headers=FRENCH).text)["starting"] == "Démarrage…"


def _strings(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="settings-strings" type="application/json">(.*?)</script>', page, re.S)
    assert found
    strings: dict[str, Any] = json.loads(found.group(1))
    return strings
