"""Posting twice from the upload page without reloading, through a moment the server does not answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.phone import log_in, phone

pytestmark = pytest.mark.e2e
TEXT = {  # what the page says, by language
    "en": {"live": "Your video is live.", "reconnecting": "Connection lost. Reconnecting…"},
    "fr": {"live": "Ta vidéo est en ligne.", "reconnecting": "Connexion perdue. Reconnexion…"},
}


@pytest.fixture(scope="module")
def second_clip(clip_dir: Path) -> Path:
    from havre.media import synth

    return synth.make_clip(clip_dir / "second-post.mp4", seconds=2, width=360, height=640, seed=41)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_second_post_without_reloading_and_polling_that_survives_an_outage(
        browser: Browser, live_server: str, h264_clip: Path, second_clip: Path, lang: str) -> None:
    text = TEXT[lang]
    context = phone(browser, french=lang == "fr")
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/upload")
    post = page.locator("#upload-form button[type=submit]")
    notice = page.locator("#upload-reconnecting")

    # The server stops answering the status of the upload for a while: 503, then no answer at all.
    outage = {"on": True, "tries": 0}

    def status(route: Route) -> None:
        if not outage["on"] or route.request.method != "GET":
            route.continue_()
            return
        outage["tries"] += 1
        if outage["tries"] % 2:
            route.fulfill(status=503, body="Service Unavailable")
        else:
            route.abort("connectionrefused")

    page.route("**/api/videos/*", status)
    page.set_input_files("#file", str(h264_clip))
    page.fill("#caption", f"first {lang}")
    post.click()
    expect(notice).to_have_text(text["reconnecting"], timeout=30_000)
    expect(post).to_be_enabled()  # the file is in: the next post need not wait for processing
    page.wait_for_timeout(2000)
    assert 2 <= outage["tries"] <= 4, f"tries back off: {outage['tries']} in about 3 s"
    outage["on"] = False
    expect(page.locator("#upload-message")).to_contain_text(text["live"], timeout=60_000)
    expect(notice).to_be_hidden()
    first = page.locator("#upload-message a").get_attribute("href")

    page.set_input_files("#file", str(second_clip))
    page.fill("#caption", f"second {lang}")
    post.click()
    expect(page.locator("#upload-message a")).not_to_have_attribute("href", first or "", timeout=60_000)
    expect(page.locator("#upload-message")).to_contain_text(text["live"])
    expect(post).to_be_enabled()
    context.close()
