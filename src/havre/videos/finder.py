"""Find a video, or a creator, wherever it lives: the home region directly, others via the gateway."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.errors import N_, NotFound
from havre.regions import Region
from havre.regions.gateway import Gateway
from havre.social.models import Follow
from havre.videos.cards import OwnerCard, VideoCard, own_video, public_profile, visible_videos


def _followee_ids(s: Session, viewer_id: str) -> list[str]:
    return list(s.scalars(select(Follow.followee_id).where(Follow.follower_id == viewer_id)))


def followed_by_region(gw: Gateway, viewer: User) -> dict[str, tuple[str, ...]]:
    """The creators the viewer follows, grouped by the region they live in (follows are read at home).

    Only a region's own creators travel to it, as query parameters for followers-only videos;
    they are not stored there and not written in its audit entry.
    """
    followees = gw.read(gw.home, _followee_ids, viewer.id)
    homes = gw.regions.directory.regions_of_users(followees)
    grouped: dict[str, list[str]] = {}
    for user_id in sorted(followees):
        if user_id in homes:
            grouped.setdefault(homes[user_id], []).append(user_id)
    return {name: tuple(ids) for name, ids in grouped.items()}


def followed_in(gw: Gateway, viewer: User | None, region: Region) -> tuple[str, ...]:
    """The creators living in ``region`` that the viewer follows."""
    return followed_by_region(gw, viewer).get(region.name, ()) if viewer is not None else ()


def find_video(gw: Gateway, video_id: str, viewer: User | None) -> tuple[Region, VideoCard]:
    """The one way to fetch a video for someone: 404 when it does not exist or they may not see it."""
    region = gw.regions.home_of_video(video_id)
    if region is not None:
        if viewer is not None and region.name == gw.home.name:
            mine = gw.read(region, own_video, viewer.id, video_id)
            if mine is not None:
                return region, mine
        # Public first: the viewer's follows are looked up only for a followers-only video.
        found = gw.read(region, visible_videos, [video_id])
        if not found and viewer is not None:
            found = gw.read(region, visible_videos, [video_id], followed_owner_ids=followed_in(gw, viewer, region))
        if found:
            return region, found[0]
    raise NotFound(N_("This video does not exist or is not visible to you."))


def find_creator(gw: Gateway, handle: str) -> tuple[Region, OwnerCard]:
    handle = handle.strip().lstrip("@").lower()
    region = gw.regions.home_of_handle(handle)
    card = gw.read(region, public_profile, handle) if region is not None else None
    if region is None or card is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=handle)
    return region, card
