"""A new member signs up on a phone, chooses an interest with the keyboard on "Choose your
interests", and their For You opens on it, saying why."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.phone import phone

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASSWORD = "my interests, my feed"


@pytest.mark.parametrize(("french", "words"), [
    (False, {"title": "Choose your interests", "one": "1 interest chosen", "continue": "Continue",
             "why": "Because you chose #skate"}),
    (True, {"title": "Choisis tes centres d’intérêt", "one": "1 centre d’intérêt choisi", "continue": "Continuer",
            "why": "Parce que tu as choisi #skate"}),
])
def test_a_new_member_chooses_an_interest_and_for_you_starts_with_it(
        browser: Browser, live_server: str, french: bool, words: dict[str, str]) -> None:
    context = phone(browser, french=french)
    page = context.new_page()
    page.goto(live_server + "/signup")
    page.fill("#handle", f"newcomer.{uuid.uuid4().hex[:6]}")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/welcome")
    expect(page.get_by_role("heading", name=words["title"])).to_be_visible()

    skate = page.locator('#interest-chips .chip[data-tag="skate"]')  # a demo video's hashtag
    expect(skate).to_have_attribute("aria-pressed", "false")
    skate.focus()
    page.keyboard.press("Space")
    expect(skate).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#interest-message")).to_have_text(words["one"])
    page.keyboard.press("Enter")  # Enter toggles too: off, then on again with Space
    expect(skate).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(skate).to_have_attribute("aria-pressed", "true")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"welcome-phone-{'fr' if french else 'en'}.png"), full_page=True)
    page.get_by_role("button", name=words["continue"]).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")

    first = page.locator(".slide").first
    expect(first.locator(".caption a.tag", has_text="#skate")).to_be_visible()  # the chosen interest leads
    first.locator(".edit").click()  # "•••": why this video
    expect(page.locator("#about-why")).to_have_text(words["why"])
    context.close()
