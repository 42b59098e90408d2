"""After "Move my data" on a phone, the page tells the truth: signed out (the move ended the
session), no archive link left from before, and once signed in again, the new home region and a
last crossing said as it happened (from what is now home, while the data lived in the old one)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.phone import phone

pytestmark = pytest.mark.e2e
PASSWORD = "moving day, phone in hand"


def _seen_from_us(live_server: str, handle: str) -> None:
    """A member of region us opens @handle's profile: a crossing in the audit log about them."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        client.get("/api/feed/foryou")
        csrf = {"X-CSRF-Token": client.cookies["havre_csrf"]}
        signed = client.post("/api/auth/signup", json={"handle": f"{handle}.fan", "password": PASSWORD,
                                                        "region": "us"}, headers=csrf)
        assert signed.status_code == 201, signed.text
        csrf = {"X-CSRF-Token": signed.headers.get("x-csrf-token") or client.cookies["havre_csrf"]}  # rotated
        followed = client.post(f"/api/users/{handle}/follow", headers=csrf)
        assert followed.status_code < 300, followed.text


@pytest.mark.parametrize(("french", "words"), [
    (False, {"download": "Download my data", "ready": "Your archive is ready", "move": "Move my data",
             "moved": "your data now lives in US", "lives": "Your home region is US",
             "then": "from US, while your data lived in EU", "login": "Log in"}),
    (True, {"download": "Télécharger mes données", "ready": "Ton archive est prête", "move": "Déplacer mes données",
            "moved": "tes données vivent maintenant en US", "lives": "Ta région de rattachement est US",
            "then": "US", "login": "Se connecter"}),
])
def test_after_a_move_the_page_shows_the_new_state(browser: Browser, live_server: str, french: bool,
                                                   words: dict[str, str]) -> None:
    handle = f"mover.{'fr' if french else 'en'}"
    context = phone(browser, french=french)
    page = context.new_page()
    page.goto(live_server + "/signup")
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.select_option("#region", "eu")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/**")
    _seen_from_us(live_server, handle)
    page.goto(live_server + "/settings")
    page.get_by_role("button", name=words["download"]).click()
    expect(page.locator("#export-message")).to_contain_text(words["ready"], timeout=60_000)

    page.select_option("#move-region", "us")
    page.fill("#move-password", PASSWORD)
    page.get_by_role("button", name=words["move"]).click()
    page.wait_for_url("**/login?**", timeout=90_000)
    expect(page.locator("#moved")).to_contain_text(words["moved"])
    nav = page.locator("nav.nav")
    expect(nav.get_by_role("link", name=words["login"])).to_be_visible()  # signed out, and shown so
    expect(nav.locator('a[href="/settings"]')).to_have_count(0)
    expect(page.locator("#export-link")).to_have_count(0)  # nothing left of the page before

    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/settings")
    main = page.locator("main")
    expect(main).to_contain_text(words["lives"])
    expect(main).to_contain_text(words["then"])
    link = page.locator("#export-link")  # the archive moved with the data: its link, if shown, works
    if link.is_visible():
        href = str(link.get_attribute("href"))
        assert page.request.get(href if href.startswith("http") else live_server + href).status == 200
    context.close()
