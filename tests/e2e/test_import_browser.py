"""A creator brings their TikTok export in from the page and watches it arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.imports.cdn import fake_cdn
from tests.imports.exports import middle_layout, post, write_zip

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def test_importing_an_export_from_the_page(browser: Browser, live_server: str, h264_clip: Path,
                                           tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="en-US")
    page = context.new_page()
    page.goto(live_server + "/login?next=/upload")
    page.fill("#handle", "demo")
    page.fill("#password", "havre-demo")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/upload")
    page.click("text=Coming from TikTok? Bring all your videos in one step.")
    page.wait_for_url(live_server + "/import")
    with fake_cdn({"mine.mp4": h264_clip}) as cdn:
        export = write_zip(tmp_path / "TikTok_Data.zip", middle_layout([
            post("2020-02-03 04:05:06", cdn.link("mine.mp4"), Title="My first TikTok #throwback", Likes="2.5K"),
            post("2020-03-03 04:05:06", cdn.link("gone.mp4"), Title="lost"),
        ], following=["lea.cuisine"]))
        page.set_input_files("#import-file", str(export))
        page.click("#import-form button[type=submit]")
        # Not "Done.": one of the two did not come (its link is gone), and the page says so.
        expect(page.locator("#import-message")).to_have_text(
            "Finished: 1 of 2 imported, 1 failed. See why below.", timeout=90_000)
    page.wait_for_url("**/import/*")
    expect(page.locator("#import-report")).to_contain_text("Imported (1)")
    expect(page.locator("#import-report")).to_contain_text("Not imported (1)")
    expect(page.locator("#import-report")).to_contain_text("HTTP 404")
    follow = page.get_by_role("button", name="Follow @lea.cuisine")
    expect(follow).to_be_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "import-phone.png"), full_page=True)
    page.get_by_role("link", name="Watch").first.click()
    page.wait_for_url("**/v/*")
    expect(page.locator(".slide").first.locator(".caption")).to_contain_text("My first TikTok")
    context.close()
