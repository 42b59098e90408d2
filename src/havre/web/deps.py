"""Per-request context: who is asking, which region serves them, CSRF, language.

Routes receive a ``RequestContext`` and stay thin: parse, authorize, call one service, render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from havre.accounts import service as accounts
from havre.accounts.models import User
from havre.accounts.service import SESSION_TTL
from havre.config import Settings
from havre.errors import N_, Unauthorized
from havre.feed.recommender import Recommender
from havre.feed.state import FeedState
from havre.ratelimit import RateLimiter
from havre.regions import Region, Regions, UnknownRegion, serving
from havre.regions.gateway import CrossingLedger, Gateway, gateway_for
from havre.web import i18n
from havre.web.asgi import HttpMiddleware
from havre.web.client_address import client_address
from havre.web.csrf import SESSION_COOKIE, set_csrf_cookie

T = TypeVar("T")


@dataclass(kw_only=True)
class RequestContext:
    settings: Settings
    regions: Regions
    region: Region
    csrf_token: str
    # The visitor's language: their picker's cookie, else their browser's (``locale`` puts a member's
    # own choice first).
    browser_locale: str
    session_cookie: str | None = None
    # The request's cross-region reads, appended to the audit chains when it ends (web.crossings).
    ledger: CrossingLedger | None = None
    recommender: Recommender | None = None
    feed: FeedState  # what For You keeps between requests (its candidates, a viewer's latest events...)
    limiter: RateLimiter  # per-account and per-address limits (web.rate_limits)
    client: str  # the client's address (web.client_address), for per-address limits
    _signed_in: tuple[User | None, str | None] | None = field(default=None, repr=False)
    _member: tuple[accounts.Member | None] | None = field(default=None, repr=False)
    _shared: Session | None = field(default=None, repr=False)

    @property
    def viewer(self) -> User | None:
        """The signed-in member, looked up on first use, in the thread that uses it (the route's):
        the context itself is made on the event loop, with no database work and no thread hop."""
        return self._sign_in()[0]

    @viewer.setter
    def viewer(self, user: User | None) -> None:
        """Who the rest of the request renders for (after a profile change, or an account closed)."""
        self._signed_in = (user, self._sign_in()[1])

    @property
    def viewer_id(self) -> str | None:
        """The signed-in member's id: what feeds need, read without building the member's row
        (``viewer``) unless the request has it already."""
        if self._signed_in is not None:
            user = self._signed_in[0]
            return user.id if user is not None else None
        member = self._member_of_session()
        return member.id if member is not None else None

    @property
    def locale(self) -> str:
        """The language to answer in: the member's choice in Settings, else the visitor's
        (``browser_locale``). Read with the member's id (one lookup), or from their row if loaded."""
        if self._signed_in is not None:
            user = self._signed_in[0]
            chosen = user.language if user is not None else None
        else:
            member = self._member_of_session()
            chosen = member.language if member is not None else None
        return chosen if chosen in i18n.SUPPORTED else self.browser_locale

    def known_locale(self) -> str | None:
        """``locale`` if deciding it needs no lookup (a visitor, or a member already looked up): what
        code on the event loop may ask. None: not known yet."""
        if self.session_cookie is None or self._signed_in is not None or self._member is not None:
            return self.locale
        return None

    def _member_of_session(self) -> accounts.Member | None:
        if self._member is None:
            member, _ = _signed_in_as(self.regions, self.session_cookie, accounts.member_for_token,
                                      session=self._shared)
            self._member = (member,)
        return self._member[0]

    @property
    def session_token(self) -> str | None:
        return self._sign_in()[1]

    def _sign_in(self) -> tuple[User | None, str | None]:
        if self._signed_in is None:
            self._signed_in = _signed_in_as(self.regions, self.session_cookie, accounts.user_for_token,
                                            session=self._shared)
        return self._signed_in

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A session of the region serving this request; the route commits."""
        with self.region.session() as s:
            yield s

    @contextmanager
    def one_session(self) -> Iterator[Gateway]:
        """The rest of the request's reads at home on one session of the serving region, closed on
        exit: who the viewer is, the gateway's reads at home and the caller's own work
        (``Gateway.home_db``). A feed page reads its viewer, its ranking, its cards and the
        viewer's marks, and a session apiece cost more than those reads. Yields the gateway."""
        with self.region.session() as s:
            self._shared = s
            try:
                yield self.gateway
            finally:
                self._shared = None

    def commit(self) -> None:
        """Commit the request's one session (``one_session``): the route owns it, and what the
        actions it called wrote on it (a For You page's list) is kept only so."""
        assert self._shared is not None, "commit() belongs inside one_session()"
        self._shared.commit()

    @property
    def gateway(self) -> Gateway:
        """Reads and counts across regions for this request (audited where they cross)."""
        return gateway_for(self.regions, self.region, member=self.viewer_id is not None, ledger=self.ledger,
                           home_session=self._shared)

    @property
    def browsing_session(self) -> str:
        """A stand-in for this browser's session (hashed; kept in memory only), for the gateway's
        once-per-session media records: the login session, else the visitor's CSRF cookie."""
        return hashlib.sha256((self.session_token or self.csrf_token).encode()).hexdigest()[:24]

    def absolute_url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path


def _split_session_cookie(value: str | None) -> tuple[str, str] | None:
    # The cookie names the region holding the session, so no other region is ever asked.
    if not value or "." not in value:
        return None
    region, token = value.split(".", 1)
    return region, token


def serving_region_for(regions: Regions, cookie: str | None) -> Region:
    """The region a request is served for: the one its session cookie names, else the default."""
    parts = _split_session_cookie(cookie)
    if parts is not None:
        try:
            return regions.get(parts[0])
        except UnknownRegion:
            pass
    return regions.default


def _signed_in_as(regions: Regions, cookie: str | None, lookup: Callable[[Session, str], T | None], *,
                  session: Session | None = None) -> tuple[T | None, str | None]:
    """Who the session cookie names, as ``lookup`` reads it (the member's row, or only their id),
    and the session's token; (None, None) for a visitor or a session that is over."""
    region = serving_region_for(regions, cookie)
    parts = _split_session_cookie(cookie)
    if parts is None or parts[0] != region.name:
        return None, None
    if session is not None:
        found = lookup(session, parts[1])
    else:
        with region.session() as s:
            found = lookup(s, parts[1])
    return (found, parts[1]) if found is not None else (None, None)


def context_of(request: Request) -> RequestContext:
    """The request's context, made once: who asks is looked up when first needed."""
    cached: RequestContext | None = getattr(request.state, "ctx", None)
    if cached is not None:
        return cached
    state = request.app.state
    cookie = request.cookies.get(SESSION_COOKIE)
    ctx = RequestContext(
        settings=state.settings, regions=state.regions, region=serving_region_for(state.regions, cookie),
        csrf_token=request.state.csrf_token, browser_locale=i18n.locale_of(request), session_cookie=cookie,
        ledger=getattr(request.state, "crossings", None), recommender=getattr(state, "recommender", None),
        feed=state.feed, limiter=state.limiter, client=client_address(request),
    )
    request.state.ctx = ctx
    return ctx


async def get_ctx(request: Request) -> RequestContext:
    """The dependency: async, so FastAPI runs it on the event loop, not in a thread of its own (it
    does no I/O; the viewer is read in the route's thread)."""
    return context_of(request)


def require_viewer(ctx: RequestContext = Depends(get_ctx)) -> User:
    if ctx.viewer is None:
        raise Unauthorized(N_("Log in to do that."))
    return ctx.viewer


def session_member(regions: Regions, cookie: str) -> tuple[Region, str] | None:
    """The home region and id of the member a session cookie names, None unless it is a live
    session (checked before a big body is read)."""
    member_id, _ = _signed_in_as(regions, cookie, accounts.member_id_for_token)
    return (serving_region_for(regions, cookie), member_id) if member_id is not None else None


class ServingRegionMiddleware(HttpMiddleware):
    """Serve the whole request for one region, so reaching another without the gateway fails."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        region = serving_region_for(request.app.state.regions, request.cookies.get(SESSION_COOKIE))
        with serving(region.name):
            await self.app(scope, receive, send)


def set_session_cookie(response: Response, region: Region, token: str, settings: Settings) -> None:
    value = f"{region.name}.{token}"
    response.set_cookie(SESSION_COOKIE, value, max_age=int(SESSION_TTL.total_seconds()),
                        httponly=True, samesite="lax", secure=settings.secure_cookies, path="/")
    set_csrf_cookie(response, settings, session_cookie=value)  # a new session, a new token


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    set_csrf_cookie(response, settings, session_cookie=None)
