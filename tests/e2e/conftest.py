from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


CREATOR_PASSWORD = "e2e creator password"


@dataclass(frozen=True)
class Creator:
    handle: str
    videos: list[str]  # newest first, as the profile shows them
    landscape: str     # the one 640x360 video among them


@pytest.fixture(scope="session")
def creator(live_server: str, clip_dir: Path) -> Creator:
    """A creator of the live server with three videos of their own: a landscape one, then two
    vertical ones (a profile to open, a feed that ends, a picture that must be letterboxed)."""
    from havre.media import synth

    clips = [synth.make_clip(clip_dir / "landscape.mp4", seconds=3, width=640, height=360, seed=5),
             synth.make_clip(clip_dir / "tall-a.mp4", seconds=3, width=360, height=640, seed=6),
             synth.make_clip(clip_dir / "tall-b.mp4", seconds=3, width=360, height=640, seed=7)]
    handle = "e2e.creator"
    with httpx.Client(base_url=live_server, timeout=60) as client:
        client.get("/api/feed/foryou")
        signed = client.post("/api/auth/signup", json={"handle": handle, "password": CREATOR_PASSWORD},
                             headers={"X-CSRF-Token": client.cookies["havre_csrf"]})
        assert signed.status_code == 201, signed.text
        ids = []
        for clip in clips:
            with open(clip, "rb") as f:
                sent = client.post("/api/videos", files={"file": (clip.name, f, "video/mp4")},
                                   data={"caption": clip.stem}, headers={"X-CSRF-Token": client.cookies["havre_csrf"]})
            assert sent.status_code == 201, sent.text
            ids.append(sent.json()["id"])
        deadline = time.monotonic() + 120
        while any(client.get(f"/api/videos/{i}").json()["status"] != "ready" for i in ids):
            assert time.monotonic() < deadline, "the creator's uploads did not become playable"
            time.sleep(0.5)
    return Creator(handle=handle, videos=ids[::-1], landscape=ids[0])
