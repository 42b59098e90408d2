"""How long from a swipe to the next video's first frame: the Havre feed vs a bare scroll-snap page.

    .venv/bin/python bench/swipe.py [--videos 10] [--swipes 8] [--runs 3]

One run serves a demo-like instance (generated clips, ladder done, so the feed plays HLS as in
production) and drives a phone-sized Chromium (390x844, touch). For each gesture (ArrowDown,
mouse wheel, touch swipe) it swipes through the Havre feed, then through a bare page of the same
clips: a scroll-snap column of preloaded faststart MP4s (`preload=auto`) that starts the next
video as soon as the swipe is known, with nothing else to do. The two pages are measured in
turns, from the same server, so the ratio is fair on a shared machine.

A swipe's time runs from the gesture's first input event (`keydown`, `wheel`, or the first
`touchmove`: the page starts to follow the finger) to the next video's first
`requestVideoFrameCallback` (a new frame of it reached the compositor). A swipe whose next video
does not play within 5 s counts as a failure. `--data DIR` keeps the seeded instance for the next
run (seeding and the ladder take minutes on a small machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from http_rate import served  # noqa: E402
from playwright.sync_api import CDPSession, Page, sync_playwright  # noqa: E402

from havre.commands import process_jobs, upgrade_all  # noqa: E402
from havre.config import load_settings  # noqa: E402
from havre.demo import seed_demo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
GESTURES = ("ArrowDown", "wheel", "touch")
TRIGGER = {"ArrowDown": "keydown", "wheel": "wheel", "touch": "touchmove"}

# Installed in both pages before their own scripts: notes when the armed gesture's input event
# came (its timeStamp, on the performance.now() clock) and when the target video shows a new frame.
PROBE = """
window.__bench = { t0: null, frame: null, trigger: null,
  arm(index, trigger) {
    this.t0 = null; this.frame = null; this.trigger = trigger;
    const video = document.querySelectorAll("video")[index];
    video.requestVideoFrameCallback(() => { this.frame = performance.now(); });
  } };
for (const type of ["keydown", "wheel", "touchmove"]) {
  addEventListener(type, (e) => {
    if (window.__bench.trigger === type && window.__bench.t0 === null) window.__bench.t0 = e.timeStamp;
  }, { capture: true, passive: true });
}
"""

# The baseline: every clip preloaded as a faststart MP4; the next one plays the moment the swipe is
# known (a key, or the first scroll movement away from the current video), scrollend settles.
BARE = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{margin:0;background:#000}#feed{height:100dvh;overflow-y:scroll;scroll-snap-type:y mandatory}
video{display:block;width:100%;height:100dvh;object-fit:cover;scroll-snap-align:start;scroll-snap-stop:always}
</style></head><body><div id="feed" tabindex="-1">VIDEOS</div><script>
const feed = document.getElementById("feed"), videos = [...feed.querySelectorAll("video")];
let current = 0;
function show(i) {
  if (i === current || i < 0 || i >= videos.length) return;
  videos[current].pause(); current = i; videos[i].play().catch(() => {});
}
addEventListener("keydown", (e) => {
  const d = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
  if (!d) return;
  e.preventDefault(); const i = current + d; show(i);
  feed.scrollTo({ top: i * feed.clientHeight, behavior: "smooth" });
});
feed.addEventListener("scroll", () => {
  const at = feed.scrollTop / feed.clientHeight;
  if (at > current + 0.02) show(current + 1); else if (at < current - 0.02) show(current - 1);
}, { passive: true });
feed.addEventListener("scrollend", () => show(Math.round(feed.scrollTop / feed.clientHeight)));
videos[0].play();
</script></body></html>"""


@dataclasses.dataclass
class Samples:
    ms: list[float] = dataclasses.field(default_factory=list)
    failures: int = 0


def swipe(page: Page, cdp: CDPSession, gesture: str) -> None:
    if gesture == "ArrowDown":
        page.keyboard.press("ArrowDown")
    elif gesture == "wheel":  # one precise wheel event past half the screen, as a touchpad swipe ends
        page.mouse.move(195, 420)
        page.mouse.wheel(0, 500)
    else:  # a finger swipe upwards, past half the screen in about 0.1 s, then let go
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": 195, "y": 700}]})
        for step in range(1, 7):
            time.sleep(0.016)
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                  "touchPoints": [{"x": 195, "y": 700 - 75 * step}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _wait(page: Page, expression: str, timeout_s: float) -> bool:
    try:
        # As a function: the app's CSP refuses eval, which Playwright uses for a bare expression.
        page.wait_for_function(f"() => ({expression})", timeout=timeout_s * 1000, polling=20)
        return True
    except Exception:  # noqa: BLE001 — a timeout is a measured failure, not a crash
        return False


def measure(page: Page, url: str, gesture: str, swipes: int, out: Samples) -> None:
    page.goto(url)
    cdp = page.context.new_cdp_session(page)
    vid = "document.querySelectorAll('video')"
    if not _wait(page, f"{vid}.length > {swipes} && !{vid}[0].paused && {vid}[0].currentTime > 0.2", 30):
        raise RuntimeError(f"the first video of {url} does not play")
    page.focus("#feed")
    for _ in range(swipes):
        # The video on screen now (a swipe that did not move the page is retried from where it is).
        i = 1 + page.evaluate(f"[...{vid}].findIndex((v) => Math.abs(v.getBoundingClientRect().top) < 2)")
        # As after watching a while: the next video has had time to preload.
        _wait(page, f"{vid}[{i}].readyState >= 4", 8)
        page.wait_for_timeout(400)
        page.evaluate(f"window.__bench.arm({i}, {json.dumps(TRIGGER[gesture])})")
        swipe(page, cdp, gesture)
        if _wait(page, f"window.__bench.frame !== null && window.__bench.t0 !== null && !{vid}[{i}].paused", 5):
            t0, frame = page.evaluate("[window.__bench.t0, window.__bench.frame]")
            out.ms.append(frame - t0)
        else:
            out.failures += 1
        _wait(page, f"Math.abs({vid}[{i}].getBoundingClientRect().top) < 2", 3)  # the scroll has settled
    cdp.detach()


def seed(data_dir: Path, videos: int) -> Any:
    settings = dataclasses.replace(load_settings(data_dir=data_dir, regions="eu,us"), run_jobs_in_process=False)
    upgrade_all(settings)
    seed_demo(settings, count=videos)
    process_jobs(settings)  # the ladder too: the feed plays HLS, as once an upload is fully processed
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=10)
    parser.add_argument("--swipes", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep the seeded instance here (reused when run again)")
    args = parser.parse_args()
    from havre.app import create_app

    with tempfile.TemporaryDirectory(prefix="havre-swipe-") as tmp:
        print(f"seeding {args.videos} demo videos (clips, ladder, HLS)...", flush=True)
        settings = seed(args.data or Path(tmp) / "data", args.videos)
        with served(create_app(settings)) as url, sync_playwright() as p:
            items = httpx.get(f"{url}/api/feed/foryou?limit=50").json()["items"]
            assert all(v["hls_url"] for v in items), "the ladder did not finish"
            bare = BARE.replace("VIDEOS", "".join(
                f'<video muted playsinline loop preload="auto" src="{v["mp4_url"]}"></video>' for v in items))
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            results = {(page, g): Samples() for page in ("havre", "bare") for g in GESTURES}
            for run in range(args.runs):
                for gesture in GESTURES:
                    for name, path in (("bare", "/__bare"), ("havre", "/")):
                        context = browser.new_context(**PHONE)
                        context.add_init_script(PROBE)
                        context.route(f"{url}/__bare", lambda route: route.fulfill(body=bare, content_type="text/html"))
                        measure(context.new_page(), url + path, gesture, args.swipes, results[(name, gesture)])
                        context.close()
                print(f"run {run + 1}/{args.runs} done", flush=True)
            browser.close()
    report(results)


def report(results: dict[tuple[str, str], Samples]) -> None:
    print(f"\n{'gesture':<10} {'havre ms':>9} {'bare ms':>8} {'ratio':>6}  failures (havre/bare)")
    all_h: list[float] = []
    all_b: list[float] = []
    for g in GESTURES:
        h, b = results[("havre", g)], results[("bare", g)]
        all_h += h.ms
        all_b += b.ms
        mh, mb = statistics.median(h.ms or [float("nan")]), statistics.median(b.ms or [float("nan")])
        print(f"{g:<10} {mh:>9.0f} {mb:>8.0f} {mh / mb:>5.1f}x  {h.failures}/{b.failures}")
    mh, mb = statistics.median(all_h), statistics.median(all_b)
    print(f"{'all':<10} {mh:>9.0f} {mb:>8.0f} {mh / mb:>5.1f}x  (medians over {len(all_h)} and {len(all_b)} swipes)")


if __name__ == "__main__":
    main()
