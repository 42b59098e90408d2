"""Security headers on every response: what a page may load, who may frame it, what it leaks.

The Content-Security-Policy allows scripts, styles and media from this origin only (plus the S3
endpoint media are redirected to, and ``blob:`` for the player's MediaSource buffers); no inline
script runs, so an injected ``<script>`` or ``onerror=`` does nothing even if escaping ever failed.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from havre.config import Settings
from havre.web.asgi import HttpMiddleware


def media_origins(settings: Settings) -> list[str]:
    """Where presigned media URLs point when a region keeps its files in S3."""
    if not any(r.blob_url.startswith("s3://") for r in settings.regions):
        return []
    endpoint = os.environ.get("HAVRE_S3_ENDPOINT", "")
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}"]
    return ["https://*.amazonaws.com"]


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    media = " ".join(media_origins(settings))
    policy = "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # style attributes only; no script can run from them
        f"img-src 'self' data: blob: {media}".rstrip(),
        f"media-src 'self' blob: {media}".rstrip(),
        f"connect-src 'self' {media}".rstrip(),  # hls.js fetches segments, redirected to the store
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]


class SecurityHeadersMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        super().__init__(app)
        self.headers = security_headers(settings)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in self.headers if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
