"""What a person notices on a phone: text readable on a white frame, a file picker in the page's
language, an import that says what happened, a feed that ends cleanly, an icon for the home
screen, and the player's speed and keys."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from havre.media.ffmpeg import ffmpeg_path
from tests.e2e.conftest import Creator
from tests.e2e.phone import VIDEO, flick_up, log_in, on_screen, phone, until, wait_playing

pytestmark = pytest.mark.e2e
PASSWORD = "e2e polish password"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


# -- helpers --------------------------------------------------------------------------------------

def _luminance(r: float, g: float, b: float) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _contrast(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def _pixels(page: Page, box: dict[str, float]) -> list[tuple[int, int, int]]:
    """The screen's pixels in ``box`` (CSS pixels), as drawn: decoded by ffmpeg (no imaging library)."""
    png = page.screenshot(clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]},
                          scale="css")
    raw = subprocess.run([ffmpeg_path(), "-loglevel", "error", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "pipe:1"], input=png, capture_output=True, check=True).stdout
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]


def _signup(base: str, handle: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/api/feed/foryou")
    signed = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD},
                         headers={"X-CSRF-Token": client.cookies["havre_csrf"]})
    assert signed.status_code == 201, signed.text
    return client


@pytest.fixture(scope="module")
def white_video(live_server: str, clip_dir: Path) -> str:
    """A video whose every frame is pure white, posted by a creator of its own, with a caption."""
    clip = clip_dir / "white.mp4"
    subprocess.run([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=white:s=360x640:r=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(clip)], check=True)
    client = _signup(live_server, "e2e.white")
    try:
        with open(clip, "rb") as f:
            sent = client.post("/api/videos", files={"file": (clip.name, f, "video/mp4")},
                               data={"caption": "Snow everywhere #winter"},
                               headers={"X-CSRF-Token": client.cookies["havre_csrf"]})
        assert sent.status_code == 201, sent.text
        video_id: str = sent.json()["id"]
        deadline = time.monotonic() + 120
        while client.get(f"/api/videos/{video_id}").json()["status"] != "ready":
            assert time.monotonic() < deadline, "the white video did not become playable"
            time.sleep(0.5)
    finally:
        client.close()
    return video_id


# -- 1. readable on any frame ---------------------------------------------------------------------

# The text over the video: each must keep 4.5:1 (WCAG AA, body text) with what is drawn behind it.
OVER_THE_VIDEO = {
    "handle": ".slide >> nth=0 >> .meta .handle",
    "date": ".slide >> nth=0 >> .meta .date",
    "caption": ".slide >> nth=0 >> .meta .caption",
    "Following button": ".slide >> nth=0 >> .follow",
    "Following tab": ".tabs a[href='/following']",
    "For You tab": ".tabs a[href='/']",
}


def test_the_text_over_a_white_frame_keeps_its_contrast(browser: Browser, live_server: str,
                                                         white_video: str) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server}/v/{white_video}")
    wait_playing(page, 0)
    follow = page.locator(".slide").first.locator(".follow")
    if follow.get_attribute("aria-pressed") != "true":
        follow.click()
    expect(follow).to_have_text("Following")
    # The frame is white: a patch left of the middle, clear of any control, reads white.
    assert min(_luminance(*p) for p in _pixels(page, {"x": 20, "y": 330, "width": 40, "height": 40})) > 0.9

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "white-frame-phone.png"))
    # Where each text's glyphs are (its line boxes, not its element's box: a pill's corners are not
    # behind its text), and its colour.
    texts: dict[str, dict[str, Any]] = {}
    for name, selector in OVER_THE_VIDEO.items():
        texts[name] = page.locator(selector).first.evaluate("""(n) => {
          const range = document.createRange(); range.selectNodeContents(n);
          const rects = [...range.getClientRects()].filter((r) => r.width > 2 && r.height > 2)
            .map((r) => ({ x: r.left + 1, y: r.top + 1, width: r.width - 2, height: r.height - 2 }));
          return { rects, color: getComputedStyle(n).color };
        }""")
        assert texts[name]["rects"], name
    # What is behind the text, with the text taken away (its colour and shadow; the avatar too).
    page.add_style_tag(content=".slide *, .tabs * { color: transparent !important; text-shadow: none !important; }"
                               " .avatar { visibility: hidden !important; }")
    page.wait_for_timeout(100)
    for name, text in texts.items():
        rgb = [float(c) for c in text["color"].removeprefix("rgba(").removeprefix("rgb(").rstrip(")").split(",")[:3]]
        behind = max(_luminance(*p) for box in text["rects"] for p in _pixels(page, box))
        ratio = _contrast(_luminance(*rgb), behind)
        assert ratio >= 4.5, f"{name}: {ratio:.2f}:1 on a white frame ({text['color']})"
    context.close()


# -- 2. a file picker in the page's language ------------------------------------------------------

@pytest.mark.parametrize("french", [False, True], ids=["en", "fr"])
@pytest.mark.parametrize(("path", "input_id"), [("/upload", "file"), ("/import", "import-file")])
def test_the_file_picker_is_a_labelled_button_of_the_page(browser: Browser, live_server: str, h264_clip: Path,
                                                          french: bool, path: str, input_id: str) -> None:
    context = phone(browser, french=french)
    page = context.new_page()
    page.on("filechooser", lambda _: None)  # Playwright catches the chooser from now on (not from the key's race)
    log_in(page, live_server)
    page.goto(live_server + path)
    native = page.locator(f"#{input_id}")
    button = page.locator(f"label.file-button[for='{input_id}']")
    name = page.locator(f"#{native.get_attribute('data-file-name')}")
    # The browser's own "Choose File / No file chosen" (in the browser's language) is not seen.
    box = native.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    expect(button).to_be_visible()
    assert (button.bounding_box() or {"height": 0})["height"] >= 44  # a finger's target
    if not french:
        expect(button).to_have_text("Choose a video" if input_id == "file" else "Choose a file")
        expect(name).to_have_text("No file chosen")
    empty = name.inner_text()

    # From the keyboard: Tab reaches it, the button shows the focus ring, Enter opens the chooser.
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == input_id:
            break
    else:
        raise AssertionError("Tab never reaches the file picker")
    assert button.evaluate("(b) => getComputedStyle(b).outlineStyle") == "solid"
    with page.expect_file_chooser() as chosen:
        page.keyboard.press("Enter")
    chosen.value.set_files(str(h264_clip))
    expect(name).to_have_text(h264_clip.name)
    if path == "/upload":  # a form reset (after a post) says so again
        page.locator("#upload-form").evaluate("(f) => f.reset()")
        expect(name).to_have_text(empty)
    context.close()


# -- 3. an import that says what happened ---------------------------------------------------------

def test_an_import_that_brought_nothing_says_so_and_names_each_link_once(browser: Browser,
                                                                          live_server: str) -> None:
    context = phone(browser)
    page = context.new_page()
    _signup(live_server, "e2e.importer").close()
    log_in(page, live_server, "e2e.importer", PASSWORD)
    page.goto(live_server + "/import")
    links = ["https://example.org/clips/1", "https://example.org/clips/2"]
    page.fill("#import-links", "\n".join(links))
    page.click("#import-form button[type=submit]")
    message = page.locator("#import-message")
    expect(message).to_have_text("Finished: nothing could be imported. See why below.", timeout=60_000)
    report = page.locator("#import-report")
    expect(report).to_contain_text("Not imported (2)")
    for link in links:
        item = report.locator("li", has_text=link)
        expect(item).to_have_count(1)
        assert item.inner_text().count(link) == 1, item.inner_text()
    expect(report).not_to_contain_text("followers")
    context.close()


# -- 4. the end of the feed -----------------------------------------------------------------------

def _flick_down(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": 195, "y": 150}]})
    for step in range(1, 7):
        time.sleep(0.016)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": 195, "y": 150 + 75 * step}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@pytest.mark.parametrize("french", [False, True], ids=["en", "fr"])
def test_after_the_last_swipe_the_end_fills_the_screen_not_half_of_a_video(
        browser: Browser, live_server: str, creator: Creator, french: bool) -> None:
    context = phone(browser, french=french)
    page = context.new_page()
    page.goto(f"{live_server}/@{creator.handle}/video/{creator.videos[0]}")
    wait_playing(page, 0, after=0.1)
    end = page.locator(".feed-end")
    expect(end).to_have_text("Tu as tout vu." if french else "You're all caught up.")
    for index in (1, 2):
        flick_up(page)
        assert on_screen(page) == index
        wait_playing(page, index, after=0.1)
    flick_up(page)  # past the last video: the end, the whole screen of it
    assert on_screen(page) == 3
    box = end.bounding_box()
    assert box is not None and abs(box["y"]) < 1 and box["height"] >= 843, box
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"feed-end-{'fr' if french else 'en'}.png"))
    until(page, f"{VIDEO}[2].paused")  # the video that left the screen does not play on, unseen
    _flick_down(page)  # and back: the last video, whole, playing again
    assert on_screen(page) == 2
    wait_playing(page, 2, after=0.1)
    # By keyboard too: ↓ from the last video shows the end, ↑ comes back.
    page.locator("#feed").focus()
    page.keyboard.press("ArrowDown")
    assert on_screen(page) == 3
    page.keyboard.press("ArrowUp")
    assert on_screen(page) == 2
    wait_playing(page, 2, after=0.1)
    context.close()


# -- 5. an icon for the home screen ---------------------------------------------------------------

def test_the_site_can_be_added_to_a_home_screen_with_its_icon(browser: Browser, live_server: str) -> None:
    context = phone(browser)
    page = context.new_page()
    page.goto(live_server + "/")
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/static/manifest.webmanifest") and manifest["errors"] == [], manifest
    data = json.loads(manifest["data"])
    assert data["display"] == "standalone" and data["start_url"] == "/"
    for icon in data["icons"]:
        response = page.request.get(live_server + icon["src"])
        assert response.ok and response.headers["content-type"] == "image/png"
    favicon = page.locator("link[rel=icon]").first.get_attribute("href")
    assert favicon and page.request.get(live_server + favicon).headers["content-type"] == "image/png"
    context.close()


# -- 6. the player: speed and keys ----------------------------------------------------------------

def _rate(page: Page, index: int) -> float:
    rate: float = page.evaluate(f"{VIDEO}[{index}].playbackRate")
    return rate


@pytest.mark.parametrize("french", [False, True], ids=["en", "fr"])
def test_playback_speed_is_chosen_in_the_panel_and_kept_for_the_session(
        browser: Browser, live_server: str, french: bool) -> None:
    context = phone(browser, french=french)
    page = context.new_page()
    page.goto(live_server + "/")
    wait_playing(page, 0)
    assert _rate(page, 0) == 1
    page.locator(".slide").first.locator(".act.edit").click()
    panel = page.locator("#about")
    expect(panel).to_be_visible()
    choices = panel.locator("[data-speed]")
    expect(choices).to_have_text(["0,5×", "1×", "1,5×", "2×"] if french else ["0.5×", "1×", "1.5×", "2×"])
    expect(panel.locator("[data-speed='1']")).to_have_attribute("aria-pressed", "true")
    panel.locator("[data-speed='1.5']").click()
    expect(panel.locator("[data-speed='1.5']")).to_have_attribute("aria-pressed", "true")
    expect(panel.locator("[data-speed='1']")).to_have_attribute("aria-pressed", "false")
    assert _rate(page, 0) == 1.5
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"speed-panel-{'fr' if french else 'en'}.png"))
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    flick_up(page)
    wait_playing(page, 1)
    assert _rate(page, 1) == 1.5  # the next video too
    page.reload()
    wait_playing(page, 0)
    assert _rate(page, 0) == 1.5  # and after a reload, in the same tab
    page.locator("#feed").focus()
    page.keyboard.press(">")
    until(page, f"{VIDEO}[0].playbackRate === 2")
    expect(page.locator("#toast")).to_contain_text("2×")
    page.keyboard.press("<")
    page.keyboard.press("<")
    page.keyboard.press("<")
    until(page, f"{VIDEO}[0].playbackRate === 0.5")
    context.close()


def test_question_mark_lists_the_keys_and_escape_closes_the_list(browser: Browser, live_server: str) -> None:
    context = phone(browser)
    page = context.new_page()
    page.goto(live_server + "/")
    wait_playing(page, 0)
    feed = page.locator("#feed")
    feed.focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.closest('#keys') !== null")  # the focus went in
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "keys-dialog.png"))
    for does in ("Play or pause", "Next video", "Previous video", "Back or forward 5 seconds", "Sound on or off",
                 "Like", "Comments", "Slower or faster"):
        expect(dialog).to_contain_text(does)
    page.keyboard.press("Tab")  # stays inside while open
    assert page.evaluate("document.activeElement.closest('#keys') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "feed"  # and came back

    # What it lists, the feed does: ← and → move 5 seconds, M the sound, Space pauses.
    page.keyboard.press("m")
    until(page, f"!{VIDEO}[0].muted")
    page.keyboard.press("m")
    until(page, f"{VIDEO}[0].muted")
    page.keyboard.press(" ")
    until(page, f"{VIDEO}[0].paused")
    page.evaluate(f"{VIDEO}[0].currentTime = 0.5")
    page.keyboard.press("ArrowRight")  # (demo videos last 4 to 7 s: 5.5 s, or the end of a shorter one)
    until(page, f"{VIDEO}[0].currentTime >= Math.min(5.4, {VIDEO}[0].duration - 0.1)")
    start: float = page.evaluate(f"{VIDEO}[0].currentTime = {VIDEO}[0].duration - 0.2")
    page.keyboard.press("ArrowLeft")
    until(page, f"Math.abs({VIDEO}[0].currentTime - {max(0.0, start - 5)}) < 0.2")
    # From the "•••" panel too, for whoever does not know about "?".
    page.locator(".slide").first.locator(".act.edit").click()
    page.locator("#about .keys-open").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    context.close()
