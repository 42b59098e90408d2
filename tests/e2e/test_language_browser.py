"""The language, chosen on a phone: a member's in Settings (saved to the account, so an English
browser gets French pages, on this device and the next), a visitor's in the bar; and the words of
"Download my data" (no "0 of 0", how long it takes, the once-a-day limit in the reader's own time)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.phone import PHONE, sign_up

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASSWORD = "mes mots, ma langue"
ZONE = "America/Montreal"  # not the server's UTC: the refusal must say the reader's own time


def test_a_member_picks_french_in_settings_and_every_device_follows(browser: Browser, live_server: str) -> None:
    english = browser.new_context(**PHONE, locale="en-US")
    page = english.new_page()
    handle = sign_up(page, live_server, prefix="lang", password=PASSWORD)
    page.goto(f"{live_server}/settings")
    expect(page.locator("h1")).to_have_text("Settings")
    expect(page.locator("#language")).to_have_value("")  # "Same as my browser" until chosen
    page.select_option("#language", "fr")
    page.locator("#language").locator("xpath=..").get_by_role("button").click()
    page.wait_for_url(f"{live_server}/settings")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Réglages")
    expect(page.locator("#language")).to_have_value("fr")
    page.goto(live_server + "/")
    expect(page.locator("nav.nav")).to_contain_text("Accueil")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "language-member-fr.png"))
    english.close()

    other = browser.new_context(**PHONE, locale="en-US")  # another phone, in English
    page = other.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{live_server}/settings")
    page.select_option("#language", "")  # back to the browser's
    page.locator("#language").locator("xpath=..").get_by_role("button").click()
    page.wait_for_url(f"{live_server}/settings")
    expect(page.locator("h1")).to_have_text("Settings")
    other.close()


def test_a_visitor_picks_in_the_bar(browser: Browser, live_server: str) -> None:
    context = browser.new_context(**PHONE, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    picker = page.locator("#nav-language")
    expect(picker).to_be_visible()
    box = picker.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # on screen on a phone
    picker.select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("form.form button[type=submit]")).to_have_text("Se connecter")
    page.goto(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.screenshot(path=str(OUTPUT / "language-visitor-fr.png"))
    context.close()


def _running_with_no_total(route: Route) -> None:
    route.fulfill(status=202 if route.request.method == "POST" else 200, content_type="application/json",
                  body=json.dumps({"id": "x", "status": "running", "done": 0, "total": 0, "size_bytes": 0,
                                   "created_at": "2026-12-08T12:08:00+00:00", "expires_at": None,
                                   "download_url": None, "error": None}))


@pytest.mark.parametrize(("locale", "words"), [
    ("en-US", {"button": "Download my data", "starting": "Starting…", "soon": "once a day",
               "takes": "This usually takes a few seconds; large accounts take longer."}),
    ("fr-FR", {"button": "Télécharger mes données", "starting": "Démarrage…", "soon": "une fois par jour",
               "takes": "Cela prend en général quelques secondes"}),
])
def test_download_my_data_says_what_is_happening(browser: Browser, live_server: str, locale: str,
                                                  words: dict[str, str]) -> None:
    context = browser.new_context(**PHONE, locale=locale, timezone_id=ZONE,
                                  extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    sign_up(page, live_server, prefix="lang", password=PASSWORD)
    page.goto(f"{live_server}/settings")
    expect(page.locator("main")).to_contain_text(words["takes"])
    expect(page.locator("main")).not_to_contain_text("It takes a few minutes" if locale == "en-US"
                                                     else "Cela prend quelques minutes")

    # Before the build has counted its files: "Starting…", never "0 of 0".
    page.route("**/api/me/exports", _running_with_no_total)
    page.route("**/api/me/exports/latest", _running_with_no_total)
    page.get_by_role("button", name=words["button"]).click()
    expect(page.locator("#export-message")).to_have_text(words["starting"])
    page.unroute("**/api/me/exports")
    page.unroute("**/api/me/exports/latest")
    page.reload()

    page.get_by_role("button", name=words["button"]).click()
    expect(page.locator("#export-link")).to_be_visible(timeout=60_000)
    answer: dict[str, str] = {}
    page.on("response", lambda r: answer.update(r.json()) if r.url.endswith("/api/me/exports") else None)
    page.get_by_role("button", name=words["button"]).click()
    message = page.locator("#export-message")
    expect(message).to_contain_text(words["soon"])
    text = message.inner_text()
    local = datetime.fromisoformat(answer["retry_at"]).astimezone(ZoneInfo(ZONE))
    assert "UTC" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text), text
    hour = local.strftime("%-I:%M") if locale == "en-US" else local.strftime("%H:%M")
    assert hour in text and str(local.day) in text, (text, local)
    assert "\u202f" in text if locale == "fr-FR" else True  # "jour ; l’archive": French spacing
    page.screenshot(path=str(OUTPUT / f"download-once-a-day-{locale[:2]}.png"))
    context.close()
