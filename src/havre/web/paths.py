"""Paths that can name nothing are answered 404 before any lookup.

Path parameters are ids, handles, tags, sound names and media file names; none of them holds a
control character. A NUL in one is worse than useless: PostgreSQL refuses to compare text holding
it, so the lookup would fail with a server error instead of finding nothing. The app adds
``plain_path`` to every route's dependencies, so each answers such a path as it answers an unknown id.
"""

from __future__ import annotations

import re

from fastapi import Request

from havre.errors import N_, NotFound

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


async def plain_path(request: Request) -> None:
    # async: a regex over a few short strings; a sync dependency would cost every request a thread hop.
    if any(isinstance(value, str) and _CONTROL.search(value) for value in request.path_params.values()):
        raise NotFound(N_("There is nothing at this address. The link may be mistyped, or the page was removed."))
