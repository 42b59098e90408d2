"""Posting from a phone (issue 23): a draft with a trim and a chosen cover, posted later from the
drafts list; the trim and the "when" choice set by touch and by keyboard."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.phone import log_in, phone

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def moving_clip(clip_dir: Path) -> Path:
    from havre.media import synth

    return synth.make_clip(clip_dir / "posting-browser.mp4", seconds=4, width=360, height=640, seed=0)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_draft_with_a_trim_and_a_cover_is_posted_later(browser: Browser, live_server: str, moving_clip: Path,
                                                         lang: str) -> None:
    context = phone(browser, french=lang == "fr")
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/upload")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.set_input_files("#file", str(moving_clip))
    expect(page.locator("#preview")).to_be_visible()
    caption = f"draft with a cover {lang}"
    page.fill("#caption", caption)
    # Trim by typing; the cover from the preview's frame (a tap on "Cover from this frame").
    page.locator("#trim-start").fill("1")
    page.locator("#trim-end").fill("3")
    page.eval_on_selector("#preview", "v => { v.currentTime = 0.5; }")
    page.wait_for_function("document.getElementById('preview').currentTime >= 0.5")
    page.locator("#trim-start").fill("0")  # the cover counts from the kept start: set it with the start at 0
    page.locator("#preview-buttons button[data-set=cover]").tap()
    page.locator("#trim-start").fill("1")
    expect(page.locator("#cover")).to_have_value("0.5")
    # "When": by keyboard, from "Post now" to "Save as draft".
    page.focus("input[name=when][value=now]")
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=when][value=draft]")).to_be_checked()
    submit = page.locator("#upload-form button[type=submit]")
    box = submit.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
    submit.tap()

    draft = page.locator("#drafts-list li", has_text=caption)
    expect(draft).to_be_visible(timeout=60_000)
    video_id = draft.get_attribute("data-id")
    assert video_id
    with httpx.Client(base_url=live_server) as anonymous:
        assert anonymous.get(f"/api/videos/{video_id}").status_code == 404  # no one else sees a draft

    page.reload()  # later
    draft = page.locator("#drafts-list li", has_text=caption)
    expect(draft.locator("img")).to_be_visible()  # the cover
    draft.locator("button").tap()
    expect(draft).to_have_count(0)
    expect(page.locator("#upload-message a")).to_be_visible(timeout=30_000)
    with httpx.Client(base_url=live_server) as anonymous:
        video = anonymous.get(f"/api/videos/{video_id}").json()
    assert video["status"] == "ready"
    assert video["duration_s"] == pytest.approx(2.0, abs=0.15)  # the trimmed length
    assert video["poster_url"]
    context.close()
