"""Counts read as sentences in each language, regions have one name, links follow the reader."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from fastapi import FastAPI

from havre.web import i18n
from tests.conftest import PASSWORD, ApiClient

ROOT = Path(__file__).resolve().parents[2]
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
EN = {"Accept-Language": "en-US"}


def _text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _strings(page: str, script_id: str) -> dict[str, Any]:
    match = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', page, re.S)
    assert match
    strings: dict[str, Any] = json.loads(match.group(1))
    return strings


def test_profile_counts_take_the_plural_of_the_number(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    client.signup("lea")
    assert "0 followers" in _text(client.get("/@lea", headers=EN).text)
    french = _text(client.get("/@lea", headers=FR).text)
    assert "0 abonné " in french and "0 abonnement " in french  # French counts zero in the singular
    fan = make_client()
    fan.signup("marco")
    assert fan.post("/api/users/lea/follow").status_code == 200
    lea = _text(client.get("/@lea", headers=EN).text)
    assert "1 follower " in lea and "0 following" in lea
    assert "1 abonnement " in _text(client.get("/@marco", headers=FR).text)
    other = make_client()
    other.signup("nour")
    other.post("/api/users/lea/follow")
    assert "2 abonnés" in _text(client.get("/@lea", headers=FR).text)
    assert "2 followers" in _text(client.get("/@lea", headers=EN).text)


def test_profile_gives_the_follow_script_every_plural_form(client: ApiClient) -> None:
    client.signup("lea")
    page = client.get("/@lea", headers=FR).text
    match = re.search(r"id=\"follower-stat\" data-forms='([^']*)'", page)
    assert match
    assert json.loads(html.unescape(match.group(1))) == {
        "one": "%(num)s abonné", "other": "%(num)s abonnés", "many": "%(num)s abonnés"}
    assert '<strong id="follower-count">0</strong>' in page  # the number the script updates


def test_plural_forms_cover_each_category_of_the_language() -> None:
    english = i18n.plural_forms("en", "%(num)s follower", "%(num)s followers")
    assert english == {"one": "%(num)s follower", "other": "%(num)s followers"}
    assert set(i18n.plural_forms("fr", "%(num)s follower", "%(num)s followers")) == {"one", "many", "other"}


def test_counts_in_script_string_tables_come_in_every_form(client: ApiClient) -> None:
    client.signup("lea")
    kept = _strings(client.get("/import", headers=EN).text, "import-strings")["followersKept"]
    assert kept["one"].startswith("%(num)s of your TikTok followers is kept")
    assert kept["other"].startswith("%(num)s of your TikTok followers are kept")
    french = _strings(client.get("/import", headers=FR).text, "import-strings")["followersKept"]
    assert "est gardé" in french["one"] and "sont gardés" in french["other"]
    feed = _strings(client.get("/", headers=EN).text, "feed-config")["strings"]["onTiktok"]
    assert feed == {"one": "%(likes)s like on TikTok", "other": "%(likes)s likes on TikTok"}


def test_tiktok_help_link_follows_the_readers_language(client: ApiClient) -> None:
    client.signup("lea")
    assert 'href="https://support.tiktok.com/fr/account-and-privacy/' in client.get("/import", headers=FR).text
    assert 'href="https://support.tiktok.com/en/account-and-privacy/' in client.get("/import", headers=EN).text


@pytest.mark.parametrize("region_names", [("eu", "us")])
def test_a_region_has_one_name_on_every_page(app: FastAPI, region_names: tuple[str, ...]) -> None:
    with ApiClient(app) as browser:
        signup = browser.get("/signup", headers=EN).text
        assert '<option value="us">US</option>' in signup
        browser.prime_csrf()
        response = browser.post("/api/auth/signup", json={"handle": "sam", "password": PASSWORD, "region": "us"})
        assert response.status_code == 201, response.text
        settings = _text(browser.get("/settings", headers=EN).text)
        assert "Your home region is US." in settings and "audit log of US." in settings
        assert " us." not in settings and " us;" not in settings


@pytest.mark.parametrize("region_names", [("eu", "us")])
def test_settings_residency_sentence_reads_as_natural_french(client: ApiClient, region_names: tuple[str, ...]) -> None:
    client.signup("lea")
    french = _text(client.get("/settings", headers=FR).text)
    assert ("Des personnes d’autres régions ont vu ton contenu public 0 fois. Chaque consultation est "
            "consignée dans le journal d’audit de la région EU.") in french
    assert "chaque fois est inscrite" not in french


def test_every_counted_phrase_has_its_french_forms() -> None:
    # As scripts/i18n.py extracts them: ngettext() and plural_forms() in templates and code.
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "plural_forms": (1, 2)}
    method_map = [("src/havre/web/templates/**.html", "jinja2"), ("src/havre/**.py", "python")]
    plurals = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map, keywords=keywords)
               if isinstance(msg, tuple)}
    assert len(plurals) >= 5
    fr = i18n.translations("fr")
    untranslated = sorted(p for p in plurals
                          if fr.ngettext(p[0], p[1], 1) == p[0] or fr.ngettext(p[0], p[1], 2) == p[1])
    assert untranslated == [], "fill msgstr[0] and msgstr[1] in src/havre/web/locale/fr (scripts/i18n.py)"
