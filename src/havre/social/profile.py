"""What a profile shows beyond its videos: the likes its videos received, who follows the member and
whom they follow, their "Liked" tab (private unless they make it public), their pinned video, and
the videos they saved (a private collection: "Saved", only they see it).

Follows, likes and saves are kept in the home region of the member who made them (see
docs/residency.md), so a member's followers are gathered from every region, while the people they
follow, the videos they liked and saved are read in their own region and the cards of those people
and videos in the regions where they live. Pages are newest first, by a cursor of (when, id).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from havre.accounts.follows import followed_in
from havre.accounts.models import Follow, User
from havre.db.base import utcnow
from havre.errors import N_, InvalidInput, NotFound
from havre.regions.gateway import Gateway, note_subjects, public_reader
from havre.social.models import Like, Save
from havre.videos.cards import OwnerCard, VideoCard, access_own_card, owner_card, visible_videos
from havre.videos.models import Video

# A keyset position in a list sorted newest first: (when the follow, like or save was made, its id).
Mark = tuple[datetime, str]
MAX_PAGE = 100


@dataclass(frozen=True, kw_only=True)
class ProfileFacts:
    likes_received: int  # the sum of the like counts of the member's videos
    likes_public: bool
    pinned_video_id: str | None


@dataclass(frozen=True, kw_only=True)
class PersonRow:
    person: OwnerCard
    since: datetime

    @property
    def mark(self) -> Mark:
        return (self.since, self.person.id)


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    next_cursor: str | None


@dataclass(frozen=True)
class VideoMarksPage:
    videos: list[VideoCard]  # those the viewer may see, in the list's order
    next_cursor: str | None


def encode_cursor(mark: Mark) -> str:
    return base64.urlsafe_b64encode(f"{mark[0].isoformat()}|{mark[1]}".encode()).decode()


def decode_cursor(cursor: str | None) -> Mark | None:
    if not cursor:
        return None
    try:
        when, item = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        at = datetime.fromisoformat(when)
        if at.tzinfo is None:
            raise ValueError(when)
        return at, item
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The list cursor is malformed; reload the page."), field="cursor") from None


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


# -- the profile's header ----------------------------------------------------------------------

@public_reader
def profile_facts(s: Session, user_id: str) -> ProfileFacts | None:
    """The profile's total likes received, whether its Liked tab is public, and its pinned video."""
    user = s.get(User, user_id)
    if user is None:
        return None
    note_subjects([user_id])
    total = s.scalar(select(func.coalesce(func.sum(Video.like_count), 0)).where(Video.owner_id == user_id)) or 0
    return ProfileFacts(likes_received=max(0, int(total)), likes_public=bool(user.likes_public),
                        pinned_video_id=user.pinned_video_id)


def set_likes_public(s: Session, user_id: str, public: bool) -> None:
    s.execute(update(User).where(User.id == user_id).values(likes_public=public))


def set_pinned(s: Session, user_id: str, video_id: str | None) -> None:
    """Pin one of the member's own videos first on their profile (None: unpin). Their videos live
    in their home region, ``s``'s; another's video, or none, is a 404."""
    if video_id is not None:
        owner = s.scalar(select(Video.owner_id).where(Video.id == video_id))
        if owner != user_id:
            raise NotFound(N_("This video does not exist or is not yours."))
    s.execute(update(User).where(User.id == user_id).values(pinned_video_id=video_id))


def pinned_card(gw: Gateway, owner: OwnerCard, pinned_id: str | None, viewer: User | None) -> VideoCard | None:
    """The pinned video as the viewer may see it (None: none pinned, deleted since, or not visible)."""
    if pinned_id is None:
        return None
    region = gw.regions.home_of_user(owner.id)
    if region is None:
        return None
    if viewer is not None and viewer.id == owner.id:
        card = gw.read(region, access_own_card, owner.id, pinned_id)
    else:
        found = gw.read(region, visible_videos, [pinned_id], followed_owner_ids=followed_in(gw, viewer, region))
        card = found[0] if found else None
    return card if card is not None and card.owner.id == owner.id else None


# -- followers and following -------------------------------------------------------------------

@public_reader
def followers_page(s: Session, user_id: str, *, after: Mark | None, limit: int) -> list[PersonRow]:
    """This region's members who follow ``user_id`` (shown on the profile), newest first."""
    query = (select(User, Follow.created_at).join(Follow, Follow.follower_id == User.id)
             .where(Follow.followee_id == user_id))
    if after is not None:
        query = query.where(tuple_(Follow.created_at, Follow.follower_id) < after)
    rows = s.execute(query.order_by(Follow.created_at.desc(), Follow.follower_id.desc()).limit(limit)).all()
    note_subjects(u.id for u, _ in rows)
    return [PersonRow(person=owner_card(u), since=since) for u, since in rows]


@public_reader
def following_marks(s: Session, user_id: str, *, after: Mark | None, limit: int) -> list[tuple[str, datetime]]:
    """Whom ``user_id`` follows (shown on the profile), newest first: ids and since when."""
    query = select(Follow.followee_id, Follow.created_at).where(Follow.follower_id == user_id)
    if after is not None:
        query = query.where(tuple_(Follow.created_at, Follow.followee_id) < after)
    rows = s.execute(query.order_by(Follow.created_at.desc(), Follow.followee_id.desc()).limit(limit)).all()
    note_subjects([user_id])
    return [(followee, since) for followee, since in rows]


@public_reader
def people(s: Session, user_ids: list[str]) -> list[OwnerCard]:
    """Public profile cards of these members of this region."""
    if not user_ids:
        return []
    cards = [owner_card(u) for u in s.scalars(select(User).where(User.id.in_(user_ids)))]
    note_subjects(c.id for c in cards)
    return cards


def _page_of_people(rows: list[PersonRow], limit: int) -> PeoplePage:
    rows = sorted(rows, key=lambda r: r.mark, reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    return PeoplePage(rows=rows, next_cursor=encode_cursor(rows[-1].mark) if more and rows else None)


def followers(gw: Gateway, user_id: str, *, cursor: str | None, limit: int) -> PeoplePage:
    after, limit = decode_cursor(cursor), _limit(limit)
    found = [row for _, rows in gw.read_all(followers_page, user_id, after=after, limit=limit + 1) for row in rows]
    return _page_of_people(found, limit)


def following(gw: Gateway, user_id: str, *, cursor: str | None, limit: int) -> PeoplePage:
    after, limit = decode_cursor(cursor), _limit(limit)
    region = gw.regions.home_of_user(user_id)
    if region is None:
        return PeoplePage(rows=[], next_cursor=None)
    marks = gw.read(region, following_marks, user_id, after=after, limit=limit + 1)
    homes = gw.regions.directory.regions_of_users(followee for followee, _ in marks)
    by_region: dict[str, list[str]] = {}
    for followee, _ in marks:
        if followee in homes:
            by_region.setdefault(homes[followee], []).append(followee)
    cards = {c.id: c for name, ids in by_region.items() for c in gw.read(gw.regions.get(name), people, ids)}
    page = [PersonRow(person=cards[f], since=since) for f, since in marks[:limit] if f in cards]
    more = len(marks) > limit
    # The cursor goes on after the last follow read, shown or not (an account deleted meanwhile).
    return PeoplePage(rows=page, next_cursor=encode_cursor((marks[limit - 1][1], marks[limit - 1][0]))
                      if more else None)


# -- the Liked tab and the Saved collection ----------------------------------------------------

def _marks_of(s: Session, table: type[Like] | type[Save], user_id: str, after: Mark | None,
              limit: int) -> list[tuple[str, datetime]]:
    query = select(table.video_id, table.created_at).where(table.user_id == user_id)
    if after is not None:
        query = query.where(tuple_(table.created_at, table.video_id) < after)
    return [(v, at) for v, at in s.execute(query.order_by(table.created_at.desc(), table.video_id.desc())
                                             .limit(limit))]


@public_reader
def public_likes(s: Session, user_id: str, *, after: Mark | None, limit: int) -> list[tuple[str, datetime]] | None:
    """The videos a member liked, newest first, if they made their Liked tab public; else None."""
    public = s.scalar(select(User.likes_public).where(User.id == user_id))
    if not public:
        return None
    note_subjects([user_id])
    return _marks_of(s, Like, user_id, after, limit)


def own_likes(s: Session, user_id: str, *, after: Mark | None, limit: int) -> list[tuple[str, datetime]]:
    """The videos the member themself liked (their own region)."""
    return _marks_of(s, Like, user_id, after, limit)


def saved_marks(s: Session, user_id: str, *, after: Mark | None, limit: int) -> list[tuple[str, datetime]]:
    """The videos the member saved (their own region), newest first."""
    return _marks_of(s, Save, user_id, after, limit)


def cards_for(gw: Gateway, video_ids: list[str], viewer: User | None) -> list[VideoCard]:
    """Cards of these videos, in this order, from their regions: those the viewer may see now."""
    homes = gw.regions.directory.regions_of_videos(video_ids)
    by_region: dict[str, list[str]] = {}
    for video_id in video_ids:
        if video_id in homes:
            by_region.setdefault(homes[video_id], []).append(video_id)
    cards: dict[str, VideoCard] = {}
    for name, ids in by_region.items():
        region = gw.regions.get(name)
        cards.update((c.id, c) for c in gw.read(region, visible_videos, ids,
                                                followed_owner_ids=followed_in(gw, viewer, region)))
        if viewer is not None and name == gw.home.name:  # their own videos, private ones too
            for video_id in ids:
                if video_id not in cards:
                    own = gw.read(region, access_own_card, viewer.id, video_id)
                    if own is not None:
                        cards[video_id] = own
    return [cards[i] for i in video_ids if i in cards]


def video_marks_page(gw: Gateway, marks: list[tuple[str, datetime]], viewer: User | None,
                     limit: int) -> VideoMarksPage:
    """A page of liked or saved videos from ``limit + 1`` marks read; the cursor goes on after the
    last mark read, whether its video is still visible or not."""
    more = len(marks) > limit
    marks = marks[:limit]
    cursor = encode_cursor((marks[-1][1], marks[-1][0])) if more and marks else None
    return VideoMarksPage(videos=cards_for(gw, [v for v, _ in marks], viewer), next_cursor=cursor)


def set_save(s: Session, viewer_id: str, video_id: str, *, saved: bool) -> bool:
    """Save or unsave a video (the caller checked the viewer may see it); idempotent, and safe
    when the same member's requests race: one statement each, settled by the database."""
    if saved:
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        s.execute(insert(Save).values(user_id=viewer_id, video_id=video_id, created_at=utcnow())
                  .on_conflict_do_nothing(index_elements=["user_id", "video_id"]))
    else:
        s.execute(delete(Save).where(Save.user_id == viewer_id, Save.video_id == video_id))
    return saved


def saved_ids(s: Session, viewer_id: str | None, video_ids: list[str]) -> set[str]:
    """Which of these videos the viewer saved (read at home)."""
    if viewer_id is None or not video_ids:
        return set()
    return set(s.scalars(select(Save.video_id).where(Save.user_id == viewer_id, Save.video_id.in_(video_ids))))
