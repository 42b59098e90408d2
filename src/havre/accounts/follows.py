"""The creators a viewer follows: read in the viewer's home region, grouped by where they live."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.models import Follow, User
from havre.regions import Region
from havre.regions.gateway import Gateway, note_subjects, public_reader


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


@public_reader
def followers_of(s: Session, user_id: str) -> list[dict[str, str]]:
    """This region's members who follow ``user_id``, by handle and since when: a creator's
    followers, as a profile shows them, for the creator's export."""
    rows = s.execute(select(User.id, User.handle, Follow.created_at).join(Follow, Follow.follower_id == User.id)
                     .where(Follow.followee_id == user_id).order_by(Follow.created_at)).all()
    note_subjects(follower_id for follower_id, _, _ in rows)
    return [{"handle": handle, "since": since.isoformat()} for _, handle, since in rows]
