"""A local stand-in for TikTok's CDN: real files, and the ways links fail (404, expired, HTML, slow)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cdn
    finally:
        server.shutdown()
        server.server_close()
