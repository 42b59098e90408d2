"""The error answers of the JSON API, declared once for the OpenAPI document (``/openapi.json``).

Routes list the statuses they can give with ``responses=errors(...)``, so the document says what
a client may get back and clients (and tests/security/test_schemathesis.py) can rely on it. Every
error body is ``ErrorOut``, written by the app's error handlers (``app.py``), the body-limit
middleware (``web/limits.py``) and the audit middleware (``web/crossings.py``); only 422, FastAPI's
own answer to a request that does not fit the schema, has FastAPI's shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    detail: str  # what was wrong and what to do, in the reader's language
    field: str | None = None  # the input it is about, when there is one
    retry_at: datetime | None = None  # when a refused request may be made again, where the refusal says


def _retry_after(meaning: str) -> dict[str, Any]:
    return {"Retry-After": {"description": meaning, "schema": {"type": "integer"}}}


ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    400: {"description": "The input was refused; `detail` says why and `field` names the input."},
    401: {"description": "Not signed in (no session, or it ended)."},
    403: {"description": "Refused: the CSRF token is missing or does not fit the session, the request came "
                         "from another site, or the member may not do this."},
    404: {"description": "Not found, or not visible to this viewer (the two are not told apart)."},
    408: {"description": "The request body arrived too slowly."},
    409: {"description": "The thing is busy with another operation; try again later."},
    413: {"description": "The request body is larger than this address accepts (see docs/security.md#limits)."},
    429: {"description": "Too many requests: too many failed logins, or an action done more often than its rate "
                         "limit allows (docs/security.md#rate-limits); wait as long as `Retry-After` says.",
          "headers": _retry_after("Seconds until the request may be tried again.")},
    503: {"description": "The read across regions could not be recorded on the audit log (audit append "
                         "failed), so the answer was withheld; try again.",
          "headers": _retry_after("Seconds to wait before trying again.")},
}


def errors(*codes: int, unsafe: bool = False, body: bool = False, member: bool = False,
           crosses: bool = False) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: the listed statuses, plus those its kind of route can give.

    unsafe: a POST/PUT/PATCH/DELETE, checked for CSRF (403).
    body: it reads a request body, judged by web/limits.py (403, 408, 413; 400 for a bad Content-Length).
    member: only for signed-in members (401).
    crosses: it may read another region's data, which the audit log must record first (503).
    """
    wanted = set(codes)
    if unsafe or body:
        wanted.add(403)
    if body:
        wanted |= {400, 408, 413}
    if member:
        wanted.add(401)
    if crosses:
        wanted.add(503)
    return {code: {"model": ErrorOut, **ERROR_RESPONSES[code]} for code in sorted(wanted)}
