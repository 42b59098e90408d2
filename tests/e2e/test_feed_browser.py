"""A person on a phone: the feed plays, swipes, likes, comments — in a real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.scale_mode import scale_mode

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def _current_time(page: Page, index: int) -> float:
    return page.evaluate(f"document.querySelectorAll('.slide video')[{index}].currentTime")


def _wait_playing(page: Page, index: int) -> None:
    try:
        page.wait_for_function(
            f"(() => {{ const v = document.querySelectorAll('.slide video')[{index}];"
            " return v && !v.paused && v.currentTime > 0.3; })()", timeout=20_000)
    except PlaywrightTimeout:
        state = page.evaluate(
            f"(() => {{ const v = document.querySelectorAll('.slide video')[{index}]; if (!v) return null;"
            " return {src: v.currentSrc, paused: v.paused, time: v.currentTime, ready: v.readyState,"
            " network: v.networkState, error: v.error && v.error.code}; })()")
        raise AssertionError(f"video {index} is not playing: {state}") from None


def test_feed_plays_swipes_likes_and_comments(browser: Browser, live_server: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    fetched: list[str] = []
    page.on("requestfinished", lambda req: fetched.append(req.url))
    page.goto(live_server + "/")
    expect(page.locator(".slide").first).to_be_visible()
    _wait_playing(page, 0)
    first = _current_time(page, 0)
    page.wait_for_timeout(600)
    assert _current_time(page, 0) > first, "the first video does not advance"
    assert page.evaluate("document.querySelectorAll('.slide video')[0].muted") is True

    # Swipe to the next video with the keyboard: it plays, the first pauses.
    page.locator("#feed").focus()
    page.keyboard.press("ArrowDown")
    _wait_playing(page, 1)
    assert page.evaluate("document.querySelectorAll('.slide video')[0].paused") is True
    # The next two are preloaded already.
    assert page.evaluate("!!document.querySelectorAll('.slide video')[2].src || "
                         "document.querySelectorAll('.slide video')[2].readyState > 0")

    # Liking needs an account: log in as the demo user and come back.
    page.locator(".slide").nth(1).locator(".like").click()
    page.wait_for_url("**/login?next=*")
    page.fill("#handle", "demo")
    page.fill("#password", "havre-demo")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/")
    _wait_playing(page, 0)
    page.locator("#feed").focus()
    page.keyboard.press("ArrowDown")
    _wait_playing(page, 1)
    slide = page.locator(".slide").nth(1)
    before = int(slide.locator(".like .n").inner_text())
    slide.locator(".like").click()
    expect(slide.locator(".like")).to_have_attribute("aria-pressed", "true")
    expect(slide.locator(".like .n")).to_have_text(str(before + 1))

    # Comment in the drawer.
    slide.locator(".comment").click()
    expect(page.locator("#drawer")).to_be_visible()
    page.fill("#comment-body", "Magnifique ✨")
    page.click("#comment-form button")
    expect(page.locator("#comment-list li").first).to_contain_text("Magnifique ✨")
    page.keyboard.press("Escape")
    expect(page.locator("#drawer")).to_be_hidden()

    # The like survives a reload (it was stored, not just drawn).
    video_id = slide.get_attribute("data-id")
    page.goto(f"{live_server}/v/{video_id}")
    expect(page.locator(".slide").first.locator(".like")).to_have_attribute("aria-pressed", "true")
    OUTPUT.mkdir(exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "feed.png"))
    page.screenshot(path=str(OUTPUT / "feed-phone.png"))
    assert errors == []
    if scale_mode():  # the bytes came from the S3 server through presigned URLs, not from the app
        assert any("X-Amz-Signature=" in url for url in fetched), fetched[:20]
    context.close()


def test_desktop_layout_and_french(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR",
                                  extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.get_by_role("tab", name="Pour toi")).to_be_visible()
    _wait_playing(page, 0)
    width = page.evaluate("document.querySelector('.feed').getBoundingClientRect().width")
    assert 400 < width < 500, "the feed is a centred 9:16 column on desktop"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "feed-desktop-fr.png"))
    context.close()


def test_upload_from_the_page_shows_progress_then_the_video_is_live(
        browser: Browser, live_server: str, h264_clip: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server + "/upload")
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.fill("#handle", "demo")
    page.fill("#password", "havre-demo")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/upload")
    page.set_input_files("#file", str(h264_clip))
    page.fill("#caption", "Depuis le navigateur #e2e")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-status")).to_be_visible()
    expect(page.locator("#upload-message")).to_contain_text("Your video is live.", timeout=60_000)
    page.click("#upload-message a")
    page.wait_for_url("**/v/*")
    expect(page.locator(".slide").first.locator(".caption")).to_contain_text("Depuis le navigateur")
    expect(page.locator(".slide").first.locator(".caption a.tag")).to_have_attribute("href", "/tag/e2e")
    _wait_playing(page, 0)

    # The owner edits the caption, then deletes the video.
    video_id = page.locator(".slide").first.get_attribute("data-id")
    page.locator(".slide").first.locator(".edit").click()
    page.fill("#edit-caption", "Nouvelle légende #edited")
    page.click("#editor-form button[type=submit]")
    expect(page.locator(".slide").first.locator(".caption")).to_contain_text("Nouvelle légende")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".slide").first.locator(".edit").click()
    page.click("#edit-delete")
    expect(page.locator(f'.slide[data-id="{video_id}"]')).to_have_count(0)
    assert page.request.get(f"{live_server}/api/videos/{video_id}").status == 404
    context.close()
