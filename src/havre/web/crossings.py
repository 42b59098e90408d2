"""Put a request's cross-region reads on the audit chains before its response leaves.

The gateway tallies every read a request makes in another region (``CrossingLedger``); this
middleware appends the tally, one entry per region crossed into, once the route has built its
response and before any of it is sent. If an append fails, the response is dropped and the client
gets a 503: data read across regions is never served without its crossing on the chain.
"""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.middleware.base import RequestResponseEndpoint

from havre.errors import N_
from havre.regions.gateway import CrossingLedger
from havre.web import i18n

log = logging.getLogger(__name__)
NOT_RECORDED = N_("The service is busy; try again in a moment.")


def _purpose(request: Request) -> str:
    # The route's template ("/api/videos/{video_id}"), never the concrete path: no ids in the chain.
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', 'unmatched route')}"


async def crossing_audit_middleware(request: Request, call_next: RequestResponseEndpoint) -> Response:
    ledger = CrossingLedger()
    request.state.crossings = ledger
    response: Response = await call_next(request)
    if not ledger:
        return response
    try:
        # A database write: off the event loop, so other requests go on meanwhile.
        await run_in_threadpool(ledger.append, request.app.state.regions, home=request.state.ctx.region.name,
                                purpose=_purpose(request))
    except Exception:  # any store failure: the promise is "on the chain, or not served"
        log.exception("could not record the cross-region reads of %s; the response was withheld", _purpose(request))
        await _discard(response)
        return JSONResponse({"detail": i18n.translations(i18n.locale_of(request)).gettext(NOT_RECORDED)},
                            status_code=503,
                            headers={"Retry-After": "1"})
    return response


async def _discard(response: Response) -> None:
    # Drain the withheld body so the route's task (and any open file) finishes.
    body = getattr(response, "body_iterator", None)
    if body is not None:
        async for _ in body:
            pass
