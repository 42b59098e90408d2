"""The checked fetches of videos and creators (``access_*``): wherever they live, the home region
directly and others through the gateway; a 404 when they do not exist or the viewer may not see them."""

from __future__ import annotations

from havre.accounts.follows import followed_in
from havre.accounts.models import User
from havre.accounts.service import normalize_handle
from havre.errors import N_, NotFound
from havre.regions import Region
from havre.regions.gateway import Gateway
from havre.videos.cards import (
    OwnerCard,
    VideoCard,
    access_own_card,
    own_ids,
    public_profile,
    visible_ids,
    visible_videos,
)


def access_video(gw: Gateway, video_id: str, viewer: User | None) -> tuple[Region, VideoCard]:
    """The one way to fetch a video for someone: 404 when it does not exist or they may not see it."""
    region = gw.regions.home_of_video(video_id)
    if region is not None:
        if viewer is not None and region.name == gw.home.name:
            mine = gw.read(region, access_own_card, viewer.id, video_id)
            if mine is not None:
                return region, mine
        # Public first: the viewer's follows are looked up only for a followers-only video.
        found = gw.read(region, visible_videos, [video_id])
        if not found and viewer is not None:
            found = gw.read(region, visible_videos, [video_id], followed_owner_ids=followed_in(gw, viewer, region))
        if found:
            return region, found[0]
    raise NotFound(N_("This video does not exist or is not visible to you."))


def access_creator(gw: Gateway, handle: str) -> tuple[Region, OwnerCard]:
    handle = normalize_handle(handle)
    region = gw.regions.home_of_handle(handle)
    card = gw.read(region, public_profile, handle) if region is not None else None
    if region is None or card is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=handle)
    return region, card


def access_videos(gw: Gateway, video_ids: list[str], viewer: User | None) -> dict[str, Region]:
    """``access_video`` for a batch (the player's events): each distinct video's region, or a 404
    naming the first one that does not exist or that the viewer may not see."""
    wanted = list(dict.fromkeys(video_ids))
    homes = gw.regions.directory.regions_of_videos(wanted)
    found: dict[str, Region] = {}
    by_region: dict[str, list[str]] = {}
    for video_id in wanted:
        if video_id in homes:
            by_region.setdefault(homes[video_id], []).append(video_id)
    for name, ids in by_region.items():
        region = gw.regions.get(name)
        seen = set(gw.read(region, visible_ids, ids))
        rest = [i for i in ids if i not in seen]
        if rest and viewer is not None and region.name == gw.home.name:  # their own, whatever its state
            seen.update(gw.read(region, own_ids, viewer.id, rest))
            rest = [i for i in rest if i not in seen]
        if rest and viewer is not None:
            followed = followed_in(gw, viewer, region)
            if followed:
                seen.update(gw.read(region, visible_ids, rest, followed_owner_ids=followed))
        found.update((i, region) for i in seen)
    for video_id in wanted:
        if video_id not in found:
            raise NotFound(N_("Video %(video)s does not exist or is not visible to you."), video=video_id)
    return found
