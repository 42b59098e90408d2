"""The FastAPI application factory: routers, static files, error mapping, the job runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from havre.config import Settings, load_settings
from havre.errors import N_, HavreError
from havre.feed.recommender import recommender_for
from havre.feed.state import FeedState
from havre.ratelimit import RateLimiter
from havre.regions import Regions, open_regions
from havre.web import i18n
from havre.web.api.account_data import router as account_data_router
from havre.web.api.accounts import avatar_router
from havre.web.api.accounts import router as accounts_router
from havre.web.api.feed import router as feed_router
from havre.web.api.imports import router as imports_router
from havre.web.api.interests import router as interests_router
from havre.web.api.social import router as social_router
from havre.web.api.videos import media_router
from havre.web.api.videos import router as videos_router
from havre.web.crossings import CrossingAuditMiddleware
from havre.web.csrf import CsrfCookieMiddleware, csrf_protect
from havre.web.deps import RequestContext, ServingRegionMiddleware, session_member
from havre.web.headers import SecurityHeadersMiddleware
from havre.web.limits import BodyLimitMiddleware, BodyRefused
from havre.web.pages import render_error
from havre.web.pages import router as pages_router
from havre.web.paths import plain_path
from havre.workers.engines import background_engines
from havre.workers.schedules import book_schedules

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None, *, regions: Regions | None = None) -> FastAPI:
    settings = settings or load_settings()
    regions = regions or open_regions(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engines = background_engines(settings, regions) if settings.run_jobs_in_process else []
        if engines:
            book_schedules(settings, regions)  # training and clean-ups: each books its next run
        for engine in engines:
            engine.start_thread()
        yield
        for engine in engines:
            engine.stop()

    app = FastAPI(title="Havre", version="0.1.0", lifespan=lifespan,
                  dependencies=[Depends(csrf_protect), Depends(plain_path)])
    app.state.settings = settings
    app.state.regions = regions
    # What For You keeps between requests, one per app, told of the video changes this process commits.
    app.state.feed = FeedState()
    app.state.feed.listen(regions)
    app.state.recommender = recommender_for(settings.recommender, app.state.feed)
    app.state.limiter = RateLimiter(secret=settings.secret_key(), factor=settings.rate_limit_factor)
    # Each added one wraps those before it. All are pure ASGI (no task group per request, as
    # Starlette's BaseHTTPMiddleware would add). Innermost: the body limits judge a body before the
    # route reads it.
    app.add_middleware(BodyLimitMiddleware, settings=settings, regions=regions, session_member=session_member,
                       limiter=app.state.limiter)
    app.add_middleware(CrossingAuditMiddleware)
    app.add_middleware(CsrfCookieMiddleware)
    app.add_middleware(ServingRegionMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # outermost: every response has them
    for router in (accounts_router, videos_router, social_router, feed_router, media_router, avatar_router,
                   imports_router, account_data_router, interests_router):
        app.include_router(router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    return app


def _gettext_for(request: Request) -> Callable[[str], str]:
    """The reader's language, decided as for pages: the member's choice when the request has looked
    them up (no lookup here, on the event loop), else the cookie, which logging in and choosing set
    too, then Accept-Language."""
    ctx = getattr(request.state, "ctx", None)
    known = ctx.known_locale() if isinstance(ctx, RequestContext) else None
    return i18n.translations(known or i18n.locale_of(request)).gettext


def _wants_json(request: Request) -> bool:
    """API calls and scripts get JSON; a browser (which accepts text/html) gets the error page."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


# What the error page says for the framework's own errors (no route, wrong method), whose detail
# is an English status phrase; JSON clients keep that phrase.
_PAGE_MESSAGES = {
    404: N_("There is nothing at this address. The link may be mistyped, or the page was removed."),
    405: N_("This page cannot be used that way. Go back and try again from the page itself."),
}


def _install_error_handlers(app: FastAPI) -> None:
    async def render(request: Request, status: int, message: str, field: str | None = None,
                     headers: Mapping[str, str] | None = None, retry_at: datetime | None = None) -> Response:
        if _wants_json(request):
            body: dict[str, object] = {"detail": message}
            if field:
                body["field"] = field
            if retry_at is not None:
                body["retry_at"] = retry_at.isoformat()
            return JSONResponse(body, status_code=status, headers=headers)
        page = render_error(request, status, message)
        page.headers.update(headers or {})  # Allow (405), Retry-After (429) hold for pages too
        return page

    @app.exception_handler(HavreError)
    async def domain_error(request: Request, exc: HavreError) -> Response:
        headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
        return await render(request, exc.status_code, exc.translated(_gettext_for(request)), exc.field, headers,
                            exc.retry_at)

    # Starlette's class, not FastAPI's subclass: the router raises Starlette's own for an unknown
    # URL or a wrong method, and those must reach the page too.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = str(exc.detail)
        if isinstance(exc, BodyRefused):  # a body over its limit or too slow, found while reading it
            message = exc.error.translated(_gettext_for(request))
        elif exc.status_code in _PAGE_MESSAGES and not _wants_json(request):
            message = _gettext_for(request)(_PAGE_MESSAGES[exc.status_code])
        return await render(request, exc.status_code, message, headers=exc.headers)


def app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory havre.app:app_from_env`` (several web processes)."""
    return create_app(load_settings())
