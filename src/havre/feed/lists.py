"""A For You session: the ranked list made on the first page, paged with a keyset cursor.

The first page ranks every candidate once and keeps the best ``LIST_SIZE`` in the viewer's home
region (it says what they like: personal); when the list gets near its end, the next best are
added (``extend``), up to ``MAX_ITEMS`` in all, so a page reads and writes a short list.
Visitors share one list per ranking (``shared_list``, ``VISITOR_LIST_SIZE`` long: it is written
once per set of candidates, not per visitor). Each later page takes the next videos
of that list, after dropping what the viewer has since seen or said "not interested" to and
re-scoring the rest with what they did since, so pages never repeat or skip a video, and still
react at once. A cursor is ``<list id>.<videos served>``; lists are deleted after ``LIST_TTL``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CursorResult,
    ForeignKey,
    Index,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    null,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import owned
from havre.errors import N_, InvalidInput
from havre.kept import Kept

LIST_SIZE = 100
MAX_ITEMS = 300  # a session's videos at most, then it ends (the player starts a new one)
VISITOR_LIST_SIZE = 300
LIST_TTL = timedelta(hours=6)
CURSOR = re.compile(r"([A-Za-z0-9_-]{1,16})\.(\d{1,4})")


class FeedList(Base):
    __tablename__ = "feed_lists"
    __table_args__ = (
        Index("ix_feed_lists_created", "created_at"),
        {"info": owned("user_id", note="a For You session's ranked videos (kept 6 hours)")},
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=OPERATIONAL)
    # None for a visitor: their list is the general ranking, which says nothing about anyone.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                                info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)
    # [[video id, region, reason], ...] best first; and the ids served so far, in order.
    items: Mapped[list[Any]] = mapped_column(JSON, info=PERSONAL)
    served: Mapped[list[str]] = mapped_column(JSON, default=list, info=PERSONAL)


@dataclass(frozen=True)
class Cursor:
    list_id: str
    served: int


def parse_cursor(cursor: str) -> Cursor:
    match = CURSOR.fullmatch(cursor)
    if match is None:
        raise InvalidInput(N_("The feed cursor is malformed; reload the feed."))
    return Cursor(list_id=match.group(1), served=int(match.group(2)))


@dataclass
class MemberList:
    """A member's list as a page uses it: read and written with plain statements (every page
    reads one and writes one; the ORM's unit of work cost more than the page's own work)."""

    id: str
    items: list[Any]
    served: list[str]
    is_new: bool = False
    items_changed: bool = False
    user_id: str | None = None
    served_before: int = 0
    """How many ids ``served`` held when read: the version ``save`` writes over (it only grows)."""


def cursor_of(feed_list: MemberList) -> str:
    return f"{feed_list.id}.{len(feed_list.served)}"


_LISTS = cast(Table, FeedList.__table__)
_OPEN = select(_LISTS.c.user_id, _LISTS.c.created_at, _LISTS.c["items"], _LISTS.c.served).where(
    _LISTS.c.id == bindparam("list_id"))
# A page's read of its list: its items only when this process does not hold them already. Items are
# only ever added at the end, so their count names the version (a list another process extended
# is read again).
_ITEMS_COUNT = func.json_array_length(_LISTS.c["items"])
_OPEN_KNOWN = select(_LISTS.c.user_id, _LISTS.c.created_at, _ITEMS_COUNT, _LISTS.c.served,
                     type_coerce(case((_ITEMS_COUNT == bindparam("known"), null()), else_=_LISTS.c["items"]), JSON)
                     ).where(_LISTS.c.id == bindparam("list_id"))
KEPT_LISTS = 2_000
KEPT_S = 600.0
KnownItems = Kept[str, tuple[int, list[Any]]]
"""The items of the lists this process made or read lately: list id -> (count, items). Items are
never changed in place (``extend`` makes a new list), so threads may share them. Held in
``feed.state.FeedState``."""
# Written only over the version read (``served`` only grows, so its length is the version): two
# pages of one list at once (a double tap, two tabs) must not lose each other's served ids.
_UNCHANGED = (_LISTS.c.id == bindparam("list_id")) & (func.json_array_length(_LISTS.c.served) == bindparam("before"))
_SET_SERVED = update(_LISTS).where(_UNCHANGED).values(served=bindparam("new_served"))
_SET_BOTH = update(_LISTS).where(_UNCHANGED).values(served=bindparam("new_served"), items=bindparam("new_items"))
_RETRIES = 5


def open_list(s: Session, cursor: Cursor, viewer_id: str | None, known_items: KnownItems) -> MemberList | None:
    """The list a cursor continues, if it is this viewer's and still kept; None: start again."""
    known = known_items.get(cursor.list_id)
    found = s.connection().execute(_OPEN_KNOWN, {"list_id": cursor.list_id,
                                                 "known": known[0] if known else -1}).first()
    if found is None:
        return None
    user_id, created_at, count, served, items = found
    if user_id != viewer_id or utcnow() - created_at > LIST_TTL:
        return None
    if items is None:  # the database left them out: the count is the one held
        assert known is not None and known[0] == count
        items = known[1]
    else:
        known_items.put(cursor.list_id, (count, items))
    served = list(served or [])
    return MemberList(id=cursor.list_id, items=list(items), served=served, user_id=viewer_id,
                      served_before=len(served))


def new_list(viewer_id: str | None, items: list[Any], *, list_id: str) -> MemberList:
    """A member's new list, written by ``save``."""
    return MemberList(id=list_id, items=items, served=[], is_new=True, user_id=viewer_id)


def extend(feed_list: MemberList, items: list[Any]) -> None:
    """Add the next best videos at the end of a list (written by ``save``)."""
    feed_list.items = [*feed_list.items, *items]
    feed_list.items_changed = True


def mark_served(feed_list: MemberList, video_ids: list[str]) -> None:
    """Record a page as served (written by ``save``); ids served already are not added twice."""
    before = set(feed_list.served)
    feed_list.served = [*feed_list.served, *(v for v in video_ids if v not in before)]


def save(s: Session, feed_list: MemberList, known_items: KnownItems) -> None:
    """Write the list in one statement (the caller commits). When another page of the same list
    was saved since it was read, what that page served and added is kept and this page's is
    added to it."""
    connection = s.connection()
    written_items = feed_list.is_new or feed_list.items_changed
    if feed_list.is_new:
        connection.execute(insert(_LISTS), {"id": feed_list.id, "user_id": feed_list.user_id, "created_at": utcnow(),
                                            "items": feed_list.items, "served": feed_list.served})
        feed_list.is_new = False
    else:
        for _ in range(_RETRIES):
            params = {"list_id": feed_list.id, "before": feed_list.served_before, "new_served": feed_list.served}
            if feed_list.items_changed:
                done = connection.execute(_SET_BOTH, {**params, "new_items": feed_list.items})
            else:
                done = connection.execute(_SET_SERVED, params)
            if cast("CursorResult[Any]", done).rowcount:
                break
            found = connection.execute(_OPEN, {"list_id": feed_list.id}).first()
            if found is None:
                return  # swept meanwhile: the next page starts a new list
            _merge(feed_list, list(found.items), list(found.served or []))
        else:
            raise RuntimeError(f"feed list {feed_list.id} kept changing under this page")
    if written_items:
        known_items.put(feed_list.id, (len(feed_list.items), feed_list.items))
    feed_list.served_before = len(feed_list.served)
    feed_list.items_changed = False


def _merge(feed_list: MemberList, items: list[Any], served: list[str]) -> None:
    """This page's served ids and added items on top of what the list holds now."""
    mine = feed_list.served[feed_list.served_before:]
    theirs = set(served)
    feed_list.served = [*served, *(v for v in mine if v not in theirs)]
    known = {item[0] for item in items}
    added = [item for item in feed_list.items if item[0] not in known]
    feed_list.items_changed = feed_list.items_changed or bool(added)
    feed_list.items = [*items, *added]
    feed_list.served_before = len(served)


def shared_list(s: Session, items: list[Any]) -> FeedList:
    """The visitors' list of these items: one row for everyone who gets the same ranking, named
    by a digest of it (two visitors making it at once both end up with the same row)."""
    list_id = base64.urlsafe_b64encode(hashlib.sha256(json.dumps(items).encode()).digest()[:12]).decode()
    found = s.get(FeedList, list_id)
    if found is not None:
        return found
    try:
        with s.begin_nested():
            s.add(FeedList(id=list_id, user_id=None, items=items, served=[]))
    except IntegrityError:  # another request made it first: the same items
        pass
    found = s.get(FeedList, list_id)
    assert found is not None
    return found


def sweep(s: Session) -> int:
    """Delete lists older than LIST_TTL (a job, hourly)."""
    done = cast("CursorResult[Any]", s.execute(delete(FeedList).where(FeedList.created_at < utcnow() - LIST_TTL)))
    return done.rowcount
