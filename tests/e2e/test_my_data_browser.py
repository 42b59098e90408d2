"""A member downloads their data and moves it to another region, from Settings, on a phone."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASSWORD = "my data, my rules"


@pytest.mark.parametrize(("locale", "words"), [
    ("en-US", {"download": "Download my data", "save": "Save the archive", "ready": "Your archive is ready",
               "move": "Move my data", "moved": "your data now lives in US", "login": "Log in",
               "lives": "Your home region is US"}),
    ("fr-FR", {"download": "Télécharger mes données", "save": "Enregistrer l’archive", "ready": "Ton archive est prête",
               "move": "Déplacer mes données", "moved": "tes données vivent maintenant en US", "login": "Se connecter",
               "lives": "Ta région de rattachement est US"}),
])
def test_download_my_data_then_move_it(browser: Browser, live_server: str, tmp_path: Path, locale: str,
                                       words: dict[str, str]) -> None:
    handle = f"leaving.{locale[:2]}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale=locale, accept_downloads=True)
    page = context.new_page()
    page.goto(live_server + "/signup")
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.select_option("#region", "eu")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/**")
    page.goto(live_server + "/settings")

    page.get_by_role("button", name=words["download"]).click()
    expect(page.locator("#export-message")).to_contain_text(words["ready"], timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=words["save"]).click()
    saved = tmp_path / "archive.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        assert json.loads(zf.read("manifest.json"))["user"]["handle"] == handle

    page.select_option("#move-region", "us")
    page.fill("#move-password", PASSWORD)
    page.get_by_role("button", name=words["move"]).click()
    page.wait_for_url("**/login?**", timeout=90_000)  # the move ended the session: the login page says it is done
    expect(page.locator("#moved")).to_contain_text(words["moved"])
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"my-data-phone-{locale[:2]}.png"), full_page=True)
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/settings")
    expect(page.locator("main")).to_contain_text(words["lives"])
    context.close()
