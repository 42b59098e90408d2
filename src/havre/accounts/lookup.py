"""Find a user's home region and row by handle, through the global directory (operator tools)."""

from __future__ import annotations

from havre.accounts.models import User
from havre.accounts.service import normalize_handle, user_by_handle
from havre.errors import N_, NotFound
from havre.regions import Region, Regions


def locate_user(regions: Regions, handle: str) -> tuple[Region, User]:
    region = regions.home_of_handle(normalize_handle(handle))
    user = None
    if region is not None:
        with region.session() as s:
            user = user_by_handle(s, handle)
    if region is None or user is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=normalize_handle(handle))
    return region, user
