"""The import page through a server restart: it says it is reconnecting, then the import goes on
to the end at once (the restarted server takes its job back), in English and in French."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from havre.config import Settings
from havre.regions import Regions
from tests.conftest import free_port
from tests.e2e.phone import log_in, phone
from tests.havre_serve import START_S, server_env
from tests.imports.cdn import FakeCDN, fake_cdn
from tests.imports.exports import middle_layout, post, write_zip

pytestmark = pytest.mark.e2e
CLIPS = 8
PASSWORD = "restart test password"
# Longer than the test: the job must come back because its process is provably gone, not because
# a lease ran out.
LEASE_S = "300"


class Server:
    """`havre serve` on one port and data dir, that can be killed (as a crash would) and started again."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(settings, tmp_path, {"HAVRE_IMPORT_ALLOW_HOSTS": "127.0.0.1",
                                                   "HAVRE_JOB_LEASE_S": LEASE_S, "HAVRE_BASE_URL": self.url})
        self.log = tmp_path / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "havre", "serve", "--port", str(self.port)],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_S
        while True:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(self.url + "/api/feed/foryou", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)

    def kill(self) -> None:
        """Killed at once, its job in hand, with whatever it had started (ffmpeg)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def server(settings: Settings, regions: Regions, tmp_path: Path) -> Iterator[Server]:
    served = Server(settings, tmp_path)
    served.start()
    yield served
    served.kill()


@pytest.fixture
def cdn(h264_clip: Path, tmp_path: Path) -> Iterator[FakeCDN]:
    clips = {f"c{i}.mp4": tmp_path / f"c{i}.mp4" for i in range(CLIPS)}
    for i, path in enumerate(clips.values()):  # different files: nothing is skipped as a duplicate
        path.write_bytes(h264_clip.read_bytes() + bytes([i]) * 16)
    with fake_cdn(clips) as served:
        served.delay_s = 1.0  # slow enough for the kill to land mid-import
        yield served


def _start_import(server: Server, cdn: FakeCDN, tmp_path: Path) -> str:
    export = write_zip(tmp_path / "TikTok_Data.zip", middle_layout(
        [post(f"2021-06-0{i + 1} 10:00:00", cdn.link(f"c{i}.mp4")) for i in range(CLIPS)]))
    with httpx.Client(base_url=server.url, timeout=60) as client:
        client.get("/api/feed/foryou")
        csrf = {"X-CSRF-Token": client.cookies["havre_csrf"]}
        signed = client.post("/api/auth/signup", json={"handle": "lea", "password": PASSWORD}, headers=csrf)
        assert signed.status_code == 201, signed.text
        csrf = {"X-CSRF-Token": signed.headers.get("x-csrf-token") or client.cookies["havre_csrf"]}
        with open(export, "rb") as f:
            started = client.post("/api/imports", files={"file": ("TikTok_Data.zip", f, "application/zip")},
                                  headers=csrf)
    assert started.status_code == 202, started.text
    url: str = started.json()["url"]
    return url


def _importing(page: Page) -> int:
    """How many items the page says are done (its progress bar), -1 before it knows."""
    done: int = page.evaluate("(() => { const b = document.getElementById('import-progress');"
                              " return b.hasAttribute('value') ? b.value : -1; })()")
    return done


def test_the_import_page_lives_through_a_server_restart(browser: Browser, server: Server, cdn: FakeCDN,
                                                         tmp_path: Path) -> None:
    run_url = _start_import(server, cdn, tmp_path)
    pages: dict[str, Page] = {}
    for lang in ("en", "fr"):
        page = phone(browser, french=lang == "fr").new_page()
        log_in(page, server.url, "lea", PASSWORD)
        page.goto(server.url + run_url)
        pages[lang] = page
    english, french = pages["en"], pages["fr"]

    # Mid-import: some videos in, not all.
    deadline = time.monotonic() + 40
    while not 0 < _importing(english) < 100:
        assert time.monotonic() < deadline, english.locator("#import-message").inner_text()
        english.wait_for_timeout(100)
    expect(english.locator("#import-message")).to_contain_text(f"of {CLIPS}")
    expect(french.locator("#import-message")).to_contain_text(f"sur {CLIPS}")

    server.kill()
    expect(english.locator("#import-reconnecting")).to_have_text("Connection lost. Reconnecting…")
    expect(french.locator("#import-reconnecting")).to_have_text("Connexion perdue. Reconnexion…")
    for page in pages.values():  # inside the page's live region, so a screen reader hears it
        assert page.locator("#import-status[aria-live=polite] #import-reconnecting").is_visible()
    english.wait_for_timeout(2500)  # several failed tries: the page keeps trying, backing off
    expect(english.locator("#import-reconnecting")).to_be_visible()

    server.start()
    # The restarted server takes the import back at once (its lease has minutes to go), and the
    # pages notice within their backoff.
    expect(english.locator("#import-message")).to_have_text("Done.", timeout=45_000)
    expect(french.locator("#import-message")).to_have_text("Terminé.", timeout=15_000)
    for page in pages.values():
        expect(page.locator("#import-reconnecting")).to_be_hidden()
        expect(page.locator("#import-waiting")).to_have_text("")
    expect(english.locator("#import-report")).to_contain_text(f"Imported ({CLIPS})")
    for page in pages.values():
        page.context.close()
