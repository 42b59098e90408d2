"""A member's profile on a phone (issue 23): the follower list opens, a video saved from the feed is
under Saved, a liked video under Liked (private until they make it public), a creator's pinned
video comes first, and sharing without a share sheet copies the link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import CREATOR_PASSWORD, Creator
from tests.e2e.phone import PHONE, log_in, phone, sign_up, wait_playing

pytestmark = pytest.mark.e2e
PASSWORD = "my profile, my rules"


def test_saved_liked_and_shared_from_the_feed_show_on_the_profile(browser: Browser, live_server: str) -> None:
    context = browser.new_context(**PHONE, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    handle = sign_up(page, live_server, prefix="prof", password=PASSWORD)
    page.goto(live_server + "/")
    wait_playing(page, 0)
    first = page.locator(".slide").first
    video_id = first.get_attribute("data-id") or ""
    save = first.locator(".act.save")
    save.click()
    expect(save).to_have_attribute("aria-pressed", "true")
    first.locator(".act.like").click()
    expect(first.locator(".act.like")).to_have_attribute("aria-pressed", "true")
    # Headless Chromium has no share sheet: the link is copied instead, and said so.
    first.locator(".act.share").click()
    expect(page.locator("#toast")).to_contain_text("copied")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/v/{video_id}")

    page.goto(f"{live_server}/@{handle}/saved")
    expect(page.locator(f".grid li[data-id='{video_id}']")).to_be_visible()
    page.goto(f"{live_server}/@{handle}/liked")
    expect(page.locator(f".grid li[data-id='{video_id}']")).to_be_visible()
    expect(page.locator("#tab-liked .lock")).to_be_visible()  # only they see it, so far

    stranger = phone(browser, french=True).new_page()
    assert stranger.goto(f"{live_server}/@{handle}/liked").status == 404  # type: ignore[union-attr]
    stranger.goto(f"{live_server}/@{handle}/saved")  # a visitor is asked to log in first
    assert "/login" in stranger.url and video_id not in stranger.content()
    page.click("#likes-public-btn")
    expect(page.locator("#likes-public-btn")).to_have_attribute("data-public", "true")
    assert stranger.goto(f"{live_server}/@{handle}/liked").status == 200  # type: ignore[union-attr]
    expect(stranger.locator(f".grid li[data-id='{video_id}']")).to_be_visible()
    expect(stranger.locator("#tab-liked")).to_have_text("J’aime")
    stranger.context.close()
    context.close()


def test_a_creator_pins_a_video_and_their_followers_list_opens(
        browser: Browser, live_server: str, creator: Creator) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, live_server, creator.handle, CREATOR_PASSWORD)
    page.goto(f"{live_server}/@{creator.handle}")
    tiles = page.locator(".grid li")
    expect(tiles.first).to_be_visible()
    assert tiles.count() >= 2
    second = tiles.nth(1).get_attribute("data-id")
    tiles.nth(1).locator(".pin-btn").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/@{creator.handle}")
    expect(page.locator(".grid li").first).to_have_attribute("data-id", second or "")
    expect(page.locator(".grid li").first.locator(".badge.pinned")).to_have_text("Pinned")
    page.locator(".grid li").first.locator(".pin-btn").click()  # unpinned again: as the other tests found it
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/@{creator.handle}")
    expect(page.locator(".grid li .badge.pinned")).to_have_count(0)
    page.click("#followers-link")
    page.wait_for_url(f"{live_server}/@{creator.handle}/followers")
    expect(page.locator("h2.people-title")).to_have_text("Followers")
    context.close()
