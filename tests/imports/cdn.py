"""A local stand-in for TikTok's CDN: real files, and the ways links fail (404, expired, HTML, slow);
and for TikTok's pages as yt-dlp reads them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from havre.imports import ytdlp
from havre.net.guarded import Guard

HOST = "127.0.0.1"  # fake_cdn listens there, on a port of its own choosing
# A member's guard on an instance that allowlists the stand-in, as an operator allowlists a mirror.
ALLOWED = Guard.for_members([HOST])
PAGE = "https://www.tiktok.com/@lea/video/{}"


@dataclass
class FakeCDN:
    url: str
    files: dict[str, Path] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    delay_s: float = 0.0  # per file served, to give a kill time to land mid-import

    def link(self, name: str) -> str:
        return f"{self.url}/{name}"


EXPIRED = b'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'


@contextmanager
def fake_cdn(files: dict[str, Path] | None = None) -> Iterator[FakeCDN]:
    cdn = FakeCDN(url="", files=dict(files or {}))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            name = self.path.lstrip("/").split("?")[0]
            cdn.hits[name] = cdn.hits.get(name, 0) + 1
            if name.startswith("gone"):
                self._send(404, b"not found", "text/plain")
            elif name.startswith("expired"):
                self._send(403, EXPIRED, "application/xml")
            elif name.startswith("html"):
                self._send(200, b"<!doctype html><title>TikTok</title><p>Log in", "text/html; charset=utf-8")
            elif name.startswith("slow"):
                time.sleep(3)
                self._send(200, b"late", "video/mp4")
            elif name.startswith("flaky") and cdn.hits[name] < 3:
                self._send(503, b"busy", "text/plain")
            elif name.removeprefix("flaky-") in cdn.files or name in cdn.files:
                time.sleep(cdn.delay_s)
                data = cdn.files.get(name, cdn.files.get(name.removeprefix("flaky-"))).read_bytes()  # type: ignore[union-attr]
                self._send(200, data, "image/jpeg" if name.endswith(".jpg") else "video/mp4")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((HOST, 0), Handler)
    cdn.url = f"http://{HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cdn
    finally:
        server.shutdown()
        server.server_close()


def tiktok_pages(monkeypatch: pytest.MonkeyPatch, media: dict[str, str], **info: Any) -> list[str]:
    """TikTok pages as yt-dlp's TikTok extractor reads them (TikTok is not reachable from tests):
    page URL -> the media URL it names. Returns the URLs asked for."""
    asked: list[str] = []

    def extract(url: str, ie_key: str, opts: dict[str, Any], guard: object) -> tuple[dict[str, Any], dict[str, str]]:
        asked.append(url)
        assert ie_key == "TikTok" and opts["allowed_extractors"] == ytdlp.ALLOWED_EXTRACTORS
        return ({"id": ytdlp.tiktok_id_of(url), "ext": "mp4", "url": media[url], "webpage_url": url, **info},
                {"Referer": "https://www.tiktok.com/"})

    monkeypatch.setattr(ytdlp, "_extract", extract)
    monkeypatch.setattr(ytdlp, "polite_sleep", lambda url: 0.0)
    return asked
