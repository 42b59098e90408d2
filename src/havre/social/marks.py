"""Count a view or a share once, whoever repeats the request.

View and share counts feed For You, so a script posting the same view fifty times must move them
by one. Each counted view or share leaves a mark in the viewer's home region (the caller's
session): a member's is personal data with an owner (``CountMark``); a visitor's is keyed by a
hash of their browser's CSRF cookie and expires (``VisitorMark``).

- a view counts once per viewer and video per VIEW_WINDOW;
- a share counts once per member and video, ever; once per visitor session and video (as long
  as the visitor's mark is kept: VISITOR_MEMORY).

The mark is claimed with one INSERT ... ON CONFLICT statement, so of several requests racing for
the same mark exactly one wins (the database settles it, in any process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.social.models import CountMark, VisitorMark

VIEW, SHARE = "view", "share"
VIEW_WINDOW = timedelta(hours=6)
VISITOR_MEMORY = timedelta(hours=24)


def visitor_key(session_secret: str) -> str:
    """What is stored of a visitor's session: a hash of its cookie, which cannot be turned back."""
    return hashlib.sha256(f"counts|{session_secret}".encode()).hexdigest()


def anyone(_kind: str, _video_id: str) -> bool:
    return True


def first_time(s: Session, *, kind: str, video_id: str, viewer: User | None, session_secret: str,
               visitor_allowed: Callable[[str, str], bool] = anyone) -> bool:
    """Claim the mark of this view or share; True if this one is to be counted. A visitor's first
    one is counted only if ``visitor_allowed(kind, video_id)`` too (its address's allowance,
    web.rate_limits), asked only then: a visitor repeating themself spends nothing of it."""
    now = utcnow()
    # Marks past their use are dropped here: nothing else needs them, and nobody should keep them.
    s.execute(delete(CountMark).where(CountMark.kind == VIEW, CountMark.at < now - VIEW_WINDOW))
    s.execute(delete(VisitorMark).where(VisitorMark.at < now - VISITOR_MEMORY))
    stale = now - VIEW_WINDOW if kind == VIEW else None
    if viewer is not None:
        return _claim(s, CountMark.__table__, {"user_id": viewer.id, "video_id": video_id, "kind": kind},
                      now=now, stale_before=stale)
    return _claim(s, VisitorMark.__table__,
                  {"session_hash": visitor_key(session_secret), "video_id": video_id, "kind": kind},
                  now=now, stale_before=stale) and visitor_allowed(kind, video_id)


def _claim(s: Session, table: Any, key: dict[str, str], *, now: datetime, stale_before: datetime | None) -> bool:
    """Insert the mark, or renew it if older than ``stale_before``; True if a row was written."""
    assert isinstance(table, Table)
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**key, at=now)
    if stale_before is None:
        claim = stmt.on_conflict_do_nothing(index_elements=list(key))
    else:
        claim = stmt.on_conflict_do_update(index_elements=list(key), set_={"at": now},
                                           where=table.c.at < stale_before)
    return s.execute(claim.returning(table.c.at)).first() is not None
