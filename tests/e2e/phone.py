"""What a phone user does to the feed, for the browser tests: swipes, taps, what they see."""

from __future__ import annotations

import time
import uuid
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
VIDEO = "document.querySelectorAll('.slide video')"


def phone(browser: Browser, *, french: bool = False) -> BrowserContext:
    if french:
        return browser.new_context(**PHONE, locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    return browser.new_context(**PHONE, locale="en-US")


def log_in(page: Page, base: str, handle: str = "demo", password: str = "havre-demo") -> None:
    page.goto(f"{base}/login")
    page.fill("#handle", handle)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/")


def sign_up(page: Page, base: str, *, prefix: str, password: str) -> str:
    """A new member, signed up through the page with a handle of their own; returns the handle."""
    handle = f"{prefix}{uuid.uuid4().hex[:8]}"
    page.goto(f"{base}/signup")
    page.fill("#handle", handle)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/**")
    return handle


def flick_up(page: Page) -> None:
    """A finger swipe from low on the screen upwards, more than half its height (so it goes to the
    next video however fast the browser judges the fling), in about 0.1 s, then let go."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": 195, "y": 700}]})
    for step in range(1, 7):
        time.sleep(0.016)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": 195, "y": 700 - 75 * step}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def wheel_down(page: Page) -> None:
    page.mouse.move(195, 420)
    page.mouse.wheel(0, 500)


def until(page: Page, expression: str, timeout_ms: float = 20_000) -> None:
    """Wait until a JavaScript expression is true. Passed as a function: the page's CSP refuses
    eval, which Playwright would use for a bare expression."""
    page.wait_for_function(f"() => ({expression})", timeout=timeout_ms)


def on_screen(page: Page) -> int:
    """The index of the slide that fills the screen once the scroll has settled (a snap point, and
    no movement for a moment: a smooth scroll may not have started yet)."""
    where = "(() => { const f = document.getElementById('feed'); return f.scrollTop / f.clientHeight; })()"
    deadline, last = time.monotonic() + 10, None
    while time.monotonic() < deadline:
        at: float = page.evaluate(where)
        if at == last and abs(at - round(at)) < 0.01:
            return round(at)
        last = at
        page.wait_for_timeout(200)
    raise AssertionError(f"the feed does not settle (at {last})")


def wait_playing(page: Page, index: int, *, after: float = 0.3) -> None:
    """Video ``index`` plays: not paused, and its clock moves past ``after`` seconds (or loops)."""
    try:
        until(page, f"(() => {{ const v = {VIDEO}[{index}]; if (!v || v.paused) return false;"
                    " const t0 = v.__t0 ?? (v.__t0 = v.currentTime);"
                    f" return v.currentTime > {after} && v.currentTime !== t0; }})()")
    except PlaywrightTimeout:
        state = page.evaluate(f"(() => {{ const v = {VIDEO}[{index}]; if (!v) return null;"
                              " return {src: v.currentSrc, paused: v.paused, time: v.currentTime, ready: v.readyState,"
                              " network: v.networkState, error: v.error && v.error.code}; })()")
        raise AssertionError(f"video {index} is not playing: {state}") from None
    page.evaluate(f"delete {VIDEO}[{index}].__t0")


def playing(page: Page) -> list[int]:
    indexes: list[int] = page.evaluate(f"[...{VIDEO}].flatMap((v, i) => v.paused ? [] : [i])")
    return indexes


def picture(page: Page, index: int) -> dict[str, float]:
    """Where the video's picture is drawn on screen (its box, less the bands object-fit leaves)."""
    drawn: dict[str, float] = page.evaluate(f"""(() => {{
      const v = {VIDEO}[{index}], box = v.getBoundingClientRect();
      const fit = getComputedStyle(v).objectFit;
      const scale = (fit === "contain" ? Math.min : Math.max)(box.width / v.videoWidth, box.height / v.videoHeight);
      const w = v.videoWidth * scale, h = v.videoHeight * scale;
      return {{ left: box.left + (box.width - w) / 2, top: box.top + (box.height - h) / 2, width: w, height: h,
               screenWidth: innerWidth, screenHeight: innerHeight }};
    }})()""")
    return drawn
