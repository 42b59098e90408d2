"""A member's interests: the hashtags they chose after signing up ("Choose your interests"), which
For You follows before they have watched anything (feed.taste). The choices offered are the
hashtags of For You's own candidates, so every one leads to videos on this instance.

In the feed package rather than accounts, table included: For You is what reads them, the hashtag
rule (videos.hashtags) and the candidates are above accounts in the package graph, and accounts
imports no other domain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.accounts.service import lock_member
from havre.db.base import PERSONAL, Base, UTCDateTime, utcnow
from havre.db.ownership import owned
from havre.errors import N_, InvalidInput
from havre.feed.candidates import Candidates
from havre.videos.hashtags import parse_hashtags

MAX_INTERESTS = 10
SUGGESTED = 12
SHOWN_CHARS = 40  # of a refused tag, in its error message


class Interest(Base):
    """A hashtag the member chose for For You ("Choose your interests"): what
    their first pages follow before they have watched anything."""

    __tablename__ = "interests"
    __table_args__ = {"info": owned("user_id", note="hashtags the member chose for For You")}

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         info=PERSONAL)
    # Lower case, without "#"; as long as a hashtag may be (videos.hashtags, video_hashtags.tag).
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, info=PERSONAL)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)


def normalised(tag: str) -> str:
    """``tag`` as the caption parser writes hashtags ("#Skate" and "skate" are "skate"), or a
    clear error naming it when it is not one hashtag."""
    body = tag.strip().removeprefix("#")
    if parse_hashtags(f"#{body}") != [body.lower()]:
        shown = body if len(body) <= SHOWN_CHARS else body[:SHOWN_CHARS] + "…"
        raise InvalidInput(N_("“%(tag)s” is not a hashtag: use letters, digits and _ only, without spaces "
                              "(at most 100)."), field="tags", tag=shown)
    return body.lower()


def set_interests(s: Session, user_id: str, tags: Sequence[str]) -> list[str]:
    """Replace the member's interests with ``tags`` (checked whole first: nothing is written when
    one is refused); a tag kept from before keeps the date it was first chosen. The caller commits."""
    wanted = list(dict.fromkeys(normalised(t) for t in tags))
    if len(wanted) > MAX_INTERESTS:
        raise InvalidInput(N_("Choose at most %(max)s interests."), field="tags", max=MAX_INTERESTS)
    # Two requests of the same member at once: the lock makes the second wait for the first, so
    # the set is one request's whole.
    lock_member(s, user_id)
    s.execute(delete(Interest).where(Interest.user_id == user_id, Interest.tag.not_in(wanted)))
    kept = set(s.scalars(select(Interest.tag).where(Interest.user_id == user_id)))
    s.add_all(Interest(user_id=user_id, tag=t) for t in wanted if t not in kept)
    s.flush()
    return sorted(wanted)


def interests_of(s: Session, user_id: str) -> list[str]:
    return list(s.scalars(select(Interest.tag).where(Interest.user_id == user_id).order_by(Interest.tag)))


def suggested_interests(cands: Candidates, n: int = SUGGESTED) -> list[str]:
    """The ``n`` hashtags most common among the candidates, each video counting more the more it
    was engaged with (likes, comments, shares, plays watched to the end; damped, so that one viral
    video does not make all the choices); ties in name order."""
    weights: dict[str, float] = {}
    for entry in cands.entries:
        engagement = entry.likes + entry.comments + entry.shares + entry.completes
        for tag in entry.hashtags:
            weights[tag] = weights.get(tag, 0.0) + 1.0 + math.log1p(engagement)
    return [tag for tag, _ in sorted(weights.items(), key=lambda tw: (-tw[1], tw[0]))[:n]]


def choices(cands: Candidates, chosen: Sequence[str], n: int = SUGGESTED) -> list[str]:
    """What the page offers: the member's current interests first (even one no video has any
    more), then the suggestions, ``n`` in all (more if they chose more)."""
    others = [t for t in suggested_interests(cands, n + len(chosen)) if t not in chosen]
    return [*chosen, *others][:max(n, len(chosen))]
