"""A follower count re-rendered by the page's script keeps a sentence that agrees with the number."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def _member(browser: Browser, live_server: str, handle: str, locale: str) -> BrowserContext:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(live_server + "/signup")
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/welcome")  # "Choose your interests" comes first after signing up
    page.close()
    return context


def test_following_updates_the_count_and_its_plural(browser: Browser, live_server: str) -> None:
    suffix = uuid.uuid4().hex[:6]
    creator = f"creator{suffix}"
    _member(browser, live_server, creator, "en-US").close()

    english = _member(browser, live_server, f"fan{suffix}", "en-US")
    page = english.new_page()
    page.goto(f"{live_server}/@{creator}")
    expect(page.locator("#follower-stat")).to_have_text("0 followers")
    page.click("#follow-btn")
    expect(page.locator("#follower-stat")).to_have_text("1 follower")
    english.close()

    french = _member(browser, live_server, f"fan2{suffix}", "fr-FR")
    page = french.new_page()
    page.goto(f"{live_server}/@{creator}")
    expect(page.locator("#follower-stat")).to_have_text("1 abonné")
    page.click("#follow-btn")
    expect(page.locator("#follower-stat")).to_have_text("2 abonnés")
    expect(page.locator("#follower-count")).to_have_text("2")  # the number stays the bold part
    page.click("#follow-btn")
    expect(page.locator("#follower-stat")).to_have_text("1 abonné")
    french.close()
