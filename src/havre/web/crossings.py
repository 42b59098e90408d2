"""Put a request's cross-region reads on the audit chains before its response leaves.

The gateway tallies every read a request makes in another region (``CrossingLedger``); this
middleware appends the tally, one entry per region crossed into, once the route has built its
response and before any of it is sent. If an append fails, the response is dropped and the client
gets a 503: data read across regions is never served without its crossing on the chain.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from havre.errors import N_
from havre.regions.gateway import CrossingLedger
from havre.web import i18n
from havre.web.asgi import HttpMiddleware

log = logging.getLogger(__name__)
NOT_RECORDED = N_("The service is busy; try again in a moment.")


def _purpose(request: Request) -> str:
    # The route's template ("/api/videos/{video_id}"), never the concrete path: no ids in the chain.
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', 'unmatched route')}"


class CrossingAuditMiddleware(HttpMiddleware):
    """Holds the response's first message until the request's crossings are on the chains (pure
    ASGI: Starlette's BaseHTTPMiddleware would run every request in a task group of its own)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        ledger = CrossingLedger()
        scope.setdefault("state", {})["crossings"] = ledger
        withheld = False

        async def send_once_recorded(message: Message) -> None:
            nonlocal withheld
            if withheld:
                return  # the route's body goes nowhere: the client has the 503
            if message["type"] == "http.response.start" and ledger:
                request = Request(scope)
                try:
                    # A database write: off the event loop, so other requests go on meanwhile.
                    await run_in_threadpool(ledger.append, request.app.state.regions,
                                            home=request.state.ctx.region.name, purpose=_purpose(request))
                except Exception:  # any store failure: the promise is "on the chain, or not served"
                    log.exception("could not record the cross-region reads of %s; the response was withheld",
                                  _purpose(request))
                    withheld = True
                    busy = JSONResponse({"detail": i18n.translations(i18n.locale_of(request)).gettext(NOT_RECORDED)},
                                        status_code=503, headers={"Retry-After": "1"})
                    await busy(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_once_recorded)
