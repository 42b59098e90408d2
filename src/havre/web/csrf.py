"""CSRF: a token bound to the session, rotated at login and logout, and a check of where a
browser's request comes from.

The token is ``nonce.signature``, the signature an HMAC (instance secret) of the nonce and a hash
of the session cookie (or of nothing, for a visitor). It is sent twice: in an ``HttpOnly`` cookie
and, by the page, in the ``X-CSRF-Token`` header or a ``csrf_token`` form field; both must match
and the signature must fit the session the request carries. So a token someone else obtained or
planted (a visitor's, another session's) is refused, and signing in gives a new one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.types import Message, Receive, Scope, Send

from havre.config import Settings
from havre.errors import N_, Forbidden
from havre.web.asgi import HttpMiddleware

CSRF_COOKIE = "havre_csrf"
SESSION_COOKIE = "havre_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@functools.lru_cache(maxsize=8)
def _secret(settings: Settings) -> bytes:
    return settings.secret_key()


def _signature(secret: bytes, nonce: str, session_cookie: str | None) -> str:
    binding = hashlib.sha256(session_cookie.encode()).hexdigest() if session_cookie else "visitor"
    return hmac.new(secret, f"{nonce}|{binding}".encode(), hashlib.sha256).hexdigest()[:32]


def new_token(settings: Settings, session_cookie: str | None) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_signature(_secret(settings), nonce, session_cookie)}"


def token_fits(settings: Settings, token: str, session_cookie: str | None) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce and signature) and hmac.compare_digest(
        signature, _signature(_secret(settings), nonce, session_cookie))


def sent_token_matches(cookie: str, sent: str) -> bool:
    """The double-submit half of the check: the header or field repeats the cookie."""
    return bool(cookie and sent) and hmac.compare_digest(cookie, sent)


def set_csrf_cookie(response: Response, settings: Settings, *, session_cookie: str | None) -> str:
    token = new_token(settings, session_cookie)
    response.raw_headers.append(_cookie_header(settings, token))
    response.headers["X-CSRF-Token"] = token  # API clients pick up the rotated token here
    return token


class CsrfCookieMiddleware(HttpMiddleware):
    """Give every browser a token that fits its session (readable by our JS through the page's
    meta tag): a request without one gets it in a cookie on its response, unless the route set
    one itself (login and logout rotate it). Pure ASGI, as the other middlewares."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        settings: Settings = request.app.state.settings
        token = request.cookies.get(CSRF_COOKIE, "")
        session_cookie = request.cookies.get(SESSION_COOKIE)
        if token_fits(settings, token, session_cookie):
            request.state.csrf_token = token
            await self.app(scope, receive, send)
            return
        request.state.csrf_token = fresh = new_token(settings, session_cookie)
        prefix = CSRF_COOKIE.encode() + b"="

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k == b"set-cookie" and v.startswith(prefix) for k, v in headers):
                    headers.append(_cookie_header(settings, fresh))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie_header(settings: Settings, token: str) -> tuple[bytes, bytes]:
    """The token's Set-Cookie header, one format for the routes that rotate it and the middleware."""
    carrier = Response()  # Starlette's own cookie formatting
    carrier.set_cookie(CSRF_COOKIE, token, samesite="lax", secure=settings.secure_cookies, httponly=True, path="/")
    return next((k, v) for k, v in carrier.raw_headers if k == b"set-cookie")


def _cross_site(request: Request) -> bool:
    """A browser says where an unsafe request comes from: refuse another site's (defence in depth
    beside the token). Clients that send neither header (scripts, the CLI) rely on the token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()


async def csrf_protect(request: Request) -> None:
    """The header or form field must match the cookie, the cookie must fit the session, and a
    browser's request must come from this site. Form fields are read only from bodies that
    web.limits bounds to a few KiB (or, for the profile form, a member's avatar-sized one)."""
    if request.method not in UNSAFE_METHODS:
        return
    refused = Forbidden(N_("The form expired or came from another site; reload the page and try again."))
    if _cross_site(request):
        raise refused
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not sent_token_matches(cookie, sent):
        raise refused
    if not token_fits(request.app.state.settings, cookie, request.cookies.get(SESSION_COOKIE)):
        raise refused
