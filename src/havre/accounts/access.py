"""An account by handle, wherever it lives, through the global directory: for operator tools,
which may reach every account (members reach others only through ``videos.access``)."""

from __future__ import annotations

from havre.accounts.models import User
from havre.accounts.service import normalize_handle, user_by_handle
from havre.errors import N_, NotFound
from havre.regions import Region, Regions


def access_account(regions: Regions, handle: str) -> tuple[Region, User]:
    region = regions.home_of_handle(normalize_handle(handle))
    user = None
    if region is not None:
        with region.session() as s:
            user = user_by_handle(s, handle)
    if region is None or user is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=normalize_handle(handle))
    return region, user
