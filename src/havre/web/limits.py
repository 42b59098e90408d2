"""Request bodies are judged before they are read, counted while they stream, and timed out.

A pure ASGI middleware (it sees every body chunk, which Starlette's BaseHTTPMiddleware hides):
- each route has a body limit (``BodyRule``): uploads get the media limit, the profile form the
  avatar limit, sign-in forms a few KiB, everything else 64 KiB;
- a declared ``Content-Length`` over the limit is refused with 413 before a byte is read;
- a body without ``Content-Length`` (chunked) is counted as it arrives and stopped at the limit;
- the big-body routes refuse, before reading, a request without a CSRF header matching the cookie
  (403, API routes) or with no valid session (401): an anonymous client cannot make the server
  spool hundreds of MiB;
- a body that stalls (no bytes for ``BODY_IDLE_S``) or takes longer than its deadline ends with
  408, so a slowloris client cannot hold a connection for minutes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from havre.accounts.avatar import MAX_AVATAR_BYTES
from havre.config import Settings
from havre.errors import N_, Forbidden, HavreError, InvalidInput, TooLarge, Unauthorized
from havre.imports.limits import MAX_EXPORT_BYTES
from havre.ratelimit import RateLimiter
from havre.regions import Region, Regions
from havre.web import i18n, rate_limits
from havre.web.asgi import HttpMiddleware
from havre.web.client_address import client_address
from havre.web.csrf import CSRF_COOKIE, SESSION_COOKIE, sent_token_matches

KIB = 1024
FORM_OVERHEAD = 64 * KIB  # multipart boundaries and the other fields of an upload form
DEFAULT_LIMIT = 64 * KIB
SIGN_IN_LIMIT = 4 * KIB
BODY_IDLE_S = 15.0  # no byte for this long: the client is gone or stalling on purpose
SMALL_BODY_DEADLINE_S = 30.0  # a form of a few KiB arrives in far less
MIN_UPLOAD_RATE = 16 * KIB  # bytes/s below which an upload's deadline is reached


@dataclass(frozen=True)
class BodyRule:
    limit: int
    members_only: bool = False  # refuse before reading unless the session cookie is valid
    csrf_header: bool = False  # refuse before reading unless X-CSRF-Token matches the cookie
    rate: str | None = None  # a members-only route's action in web.rate_limits, counted before reading


def body_rules(settings: Settings) -> dict[tuple[str, str], BodyRule]:
    upload = settings.media.max_upload_bytes + FORM_OVERHEAD
    return {
        ("POST", "/api/videos"): BodyRule(limit=upload, members_only=True, csrf_header=True, rate="upload"),
        ("POST", "/api/imports"): BodyRule(limit=MAX_EXPORT_BYTES + FORM_OVERHEAD, members_only=True,
                                           csrf_header=True, rate="import"),
        ("POST", "/api/me/avatar"): BodyRule(limit=MAX_AVATAR_BYTES + FORM_OVERHEAD, members_only=True,
                                             csrf_header=True),
        # A plain HTML form (no script): its CSRF field is in the body, checked once it is read.
        ("POST", "/settings"): BodyRule(limit=MAX_AVATAR_BYTES + FORM_OVERHEAD, members_only=True),
        ("POST", "/login"): BodyRule(limit=SIGN_IN_LIMIT),
        ("POST", "/signup"): BodyRule(limit=SIGN_IN_LIMIT),
        ("POST", "/api/auth/login"): BodyRule(limit=SIGN_IN_LIMIT),
        ("POST", "/api/auth/signup"): BodyRule(limit=SIGN_IN_LIMIT),
        # A password to confirm (moving or deleting one's data): as small as a login.
        ("POST", "/api/me/move"): BodyRule(limit=SIGN_IN_LIMIT, members_only=True, csrf_header=True),
        ("POST", "/api/me/deletion"): BodyRule(limit=SIGN_IN_LIMIT, members_only=True, csrf_header=True),
        ("POST", "/settings/delete"): BodyRule(limit=SIGN_IN_LIMIT, members_only=True),
    }


class BodyRefused(HTTPException):
    """Raised from inside ``receive`` while the route reads the body; FastAPI lets HTTPException
    through its body parser, and the app's handler shows ``error`` in the reader's language."""

    def __init__(self, error: HavreError) -> None:
        # Connection: close, or the server would go on reading the rest of the body to reach the next
        # request on the connection.
        super().__init__(error.status_code, error.message, headers={"Connection": "close"})
        self.error = error


class BodyTooSlow(HavreError):
    status_code = 408


def _too_large(limit: int) -> TooLarge:
    return TooLarge(N_("The request is larger than the %(limit)s MiB this address accepts."),
                    limit=max(1, limit // 2**20))


def _too_slow() -> BodyTooSlow:
    return BodyTooSlow(N_("The request body arrived too slowly; try again on a steadier connection."))


class BodyLimitMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, settings: Settings, regions: Regions,
                 session_member: Callable[[Regions, str], tuple[Region, str] | None], limiter: RateLimiter) -> None:
        super().__init__(app)
        self.rules = body_rules(settings)
        self.regions = regions
        self.session_member = session_member
        self.limiter = limiter

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rules.get((scope["method"], scope["path"].rstrip("/") or "/"), BodyRule(limit=DEFAULT_LIMIT))
        conn = HTTPConnection(scope)
        refusal = await self._refusal(rule, conn)
        declared = conn.headers.get("content-length")
        if refusal is None and declared is not None:
            if not declared.isdigit():
                refusal = InvalidInput(N_("The Content-Length header is not a number."))
            elif int(declared) > rule.limit:
                refusal = _too_large(rule.limit)
        if refusal is not None:
            await _answer(send, conn, refusal)
            return
        deadline = SMALL_BODY_DEADLINE_S + rule.limit / MIN_UPLOAD_RATE
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, _counting(receive, rule.limit, deadline), tracking_send)
        except BodyRefused as refused:  # read outside FastAPI's parser: answered here
            if not started:
                await _answer(send, conn, refused.error)

    async def _refusal(self, rule: BodyRule, conn: HTTPConnection) -> HavreError | None:
        if rule.csrf_header and not sent_token_matches(conn.cookies.get(CSRF_COOKIE, ""),
                                                       conn.headers.get("x-csrf-token", "")):
            return Forbidden(N_("The form expired or came from another site; reload the page and try again."))
        if rule.members_only:
            session = conn.cookies.get(SESSION_COOKIE, "")
            member = await run_in_threadpool(self.session_member, self.regions, session) if session else None
            if member is None:
                return Unauthorized(N_("Log in to do that."))
            if rule.rate is not None:
                region, member_id = member
                return await run_in_threadpool(rate_limits.refusal, self.limiter, region, rule.rate,
                                               member_id=member_id, client=client_address(conn))
        return None


def _counting(receive: Receive, limit: int, deadline_s: float) -> Receive:
    """``receive`` that counts body bytes, and gives up on a stalled or endless body."""
    received = 0
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + deadline_s

    async def wrapped() -> Message:
        nonlocal received
        wait = min(BODY_IDLE_S, ends_at - loop.time())
        if wait <= 0:
            raise BodyRefused(_too_slow())
        try:
            message = await asyncio.wait_for(receive(), timeout=wait)
        except TimeoutError:
            raise BodyRefused(_too_slow()) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyRefused(_too_large(limit))
        return message

    return wrapped


async def _answer(send: Send, conn: HTTPConnection, error: HavreError) -> None:
    body = json.dumps({"detail": error.translated(i18n.translations(i18n.locale_of(conn)).gettext)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    if error.retry_after_s is not None:
        headers.append((b"retry-after", str(error.retry_after_s).encode()))
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
