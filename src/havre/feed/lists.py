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

from sqlalchemy import JSON, CursorResult, ForeignKey, Index, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import owned
from havre.errors import N_, InvalidInput

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


def cursor_of(feed_list: FeedList) -> str:
    return f"{feed_list.id}.{len(feed_list.served)}"


def open_list(s: Session, cursor: Cursor, viewer_id: str | None) -> FeedList | None:
    """The list a cursor continues, if it is this viewer's and still kept; None: start again."""
    found = s.get(FeedList, cursor.list_id)
    if found is None or found.user_id != viewer_id or utcnow() - found.created_at > LIST_TTL:
        return None
    return found


def new_list(s: Session, viewer_id: str | None, items: list[Any], *, list_id: str) -> FeedList:
    """A member's new list, written in one statement (the caller commits)."""
    feed_list = FeedList(id=list_id, user_id=viewer_id, items=items, served=[])
    s.add(feed_list)
    return feed_list


def extend(feed_list: FeedList, items: list[Any]) -> None:
    """Add the next best videos at the end of a list (the caller commits)."""
    feed_list.items = [*feed_list.items, *items]


def mark_served(feed_list: FeedList, video_ids: list[str]) -> None:
    """Record a page as served (the caller commits); ids served already are not added twice."""
    before = set(feed_list.served)
    feed_list.served = [*feed_list.served, *(v for v in video_ids if v not in before)]


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
