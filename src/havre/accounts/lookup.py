"""Find which region holds a handle (until the global directory of the residency work lands,
regions are asked in turn; each holds only its own users)."""

from __future__ import annotations

from havre.accounts.models import User
from havre.accounts.service import user_by_handle
from havre.errors import N_, NotFound
from havre.regions import Region, Regions


def locate_user(regions: Regions, handle: str) -> tuple[Region, User]:
    for region in regions:
        with region.session() as s:
            user = user_by_handle(s, handle)
        if user is not None:
            return region, user
    raise NotFound(N_("There is no @%(handle)s on this instance."), handle=handle.lstrip("@"))
