"""On a phone, in English and French: a long caption opens with "more" and closes with "less"; a
video with comments off says so, to its creator too, and offers no form."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.phone import log_in, phone

pytestmark = pytest.mark.e2e
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASSWORD = "captions creator password"
SENTENCE = "Crêpes du dimanche : farine, œufs, lait, beurre salé et beaucoup de patience #recette #crepes. "
CAPTION = (SENTENCE * 30)[:2199] + "."  # TikTok's longest, 2,200 characters
WORDS = {
    "en": {"more": "more", "less": "less", "off": "Comments are turned off for this video.",
           "allow": "Allow comments"},
    "fr": {"more": "plus", "less": "moins", "off": "Les commentaires sont désactivés pour cette vidéo.",
           "allow": "Autoriser les commentaires"},
}


@dataclass(frozen=True)
class Posted:
    handle: str
    long_caption: str  # the video with a 2,200-character caption
    comments_off: str  # the video its creator posted with comments off


@pytest.fixture(scope="module")
def posted(live_server: str, clip_dir: Path) -> Posted:
    from havre.media import synth

    clip = synth.make_clip(clip_dir / "captions.mp4", seconds=2, width=360, height=640, seed=11)
    handle = "e2e.captions"
    with httpx.Client(base_url=live_server, timeout=60) as client:
        client.get("/api/feed/foryou")
        csrf = {"X-CSRF-Token": client.cookies["havre_csrf"]}
        signed = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD}, headers=csrf)
        assert signed.status_code == 201, signed.text
        csrf = {"X-CSRF-Token": signed.headers.get("x-csrf-token") or client.cookies["havre_csrf"]}
        ids = []
        for fields in ({"caption": CAPTION}, {"caption": "Quiet one", "allow_comments": "false"}):
            with open(clip, "rb") as f:
                sent = client.post("/api/videos", files={"file": (clip.name, f, "video/mp4")}, data=fields,
                                   headers=csrf)
            assert sent.status_code == 201, sent.text
            ids.append(sent.json()["id"])
        deadline = time.monotonic() + 120
        while any(client.get(f"/api/videos/{i}").json()["status"] != "ready" for i in ids):
            assert time.monotonic() < deadline, "the uploads did not become playable"
            time.sleep(0.5)
    return Posted(handle=handle, long_caption=ids[0], comments_off=ids[1])


def _height_in_lines(caption: Locator) -> float:
    lines: float = caption.evaluate(
        "c => c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight)")
    return lines


def _check_long_caption(page: Page, live_server: str, video_id: str, words: dict[str, str]) -> None:
    page.goto(f"{live_server}/v/{video_id}")
    slide = page.locator(f'.slide[data-id="{video_id}"]')
    caption, more = slide.locator(".caption"), slide.locator(".caption-more")
    expect(more).to_be_visible()
    expect(more).to_have_text(words["more"])
    expect(more).to_have_attribute("aria-expanded", "false")
    assert _height_in_lines(caption) <= 4.05
    assert caption.evaluate("c => getComputedStyle(c).webkitLineClamp") == "4"  # cut with an ellipsis

    more.tap()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(more).to_have_text(words["less"])
    assert _height_in_lines(caption) > 8
    # Over the video, within the screen: 2,200 characters are taller than it, so it scrolls inside.
    box = caption.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert caption.evaluate("c => c.scrollHeight > c.clientHeight + 10 && getComputedStyle(c).overflowY === 'auto'")
    caption.evaluate("c => { c.scrollTop = c.scrollHeight; }")
    assert caption.evaluate("c => c.scrollTop") > 0
    backing = slide.locator(".meta").evaluate("m => getComputedStyle(m).backgroundColor")
    assert backing.startswith("rgba(0, 0, 0, 0.7"), backing  # a dark backing: readable over a white frame
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"caption-open-{words['more']}.png"))

    more.tap()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_text(words["more"])
    assert _height_in_lines(caption) <= 4.05

    # The same by keyboard: a real button.
    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "false")


def _check_comments_off(page: Page, live_server: str, video_id: str, words: dict[str, str]) -> None:
    page.goto(f"{live_server}/v/{video_id}")
    slide = page.locator(f'.slide[data-id="{video_id}"]')
    expect(slide.locator(".caption-more")).to_be_hidden()  # a short caption has nothing more
    slide.locator(".act.comment").tap()
    expect(page.locator("#drawer")).to_be_visible()
    expect(page.locator("#comment-list .comments-off")).to_have_text(words["off"])
    expect(page.locator("#comment-form")).to_be_hidden()
    expect(page.locator("#comment-body")).to_be_hidden()
    page.screenshot(path=str(OUTPUT / f"comments-off-{words['more']}.png"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_long_caption_opens_and_comments_off_holds_for_its_creator(
        browser: Browser, live_server: str, posted: Posted, language: str) -> None:
    words = WORDS[language]
    context = phone(browser, french=language == "fr")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _check_long_caption(page, live_server, posted.long_caption, words)
    _check_comments_off(page, live_server, posted.comments_off, words)  # a visitor

    log_in(page, live_server, posted.handle, PASSWORD)
    _check_comments_off(page, live_server, posted.comments_off, words)  # its creator: off for them too
    page.goto(f"{live_server}/upload")
    allow = page.get_by_label(words["allow"])
    expect(allow).to_be_checked()
    context.close()
    assert errors == []
