"""How often something may be done: counters in the database, shared by every process.

A limit is a number of units (requests, events) per window of time, counted per key: an account
doing an action, or an address doing it. Each key has one row holding the current window's start
and count, raised by one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement, so requests
racing in several processes are all counted (the database settles it) and the answer is the count
after this one. Windows are fixed (aligned on multiples of their length): a client may spend up
to twice a limit across a window's edge, never more, which is what the documented numbers allow.

What is stored is a keyed hash (HMAC with the instance secret) of the action and who did it, so a
row says nothing about which account or address it counts without the secret; rows older than
their window are pruned as counting goes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, Integer, String, Table, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, SENSITIVE, Base
from havre.db.ownership import not_owned

# Every PRUNE_EVERY-th count of a process also drops the rows whose window ended a day ago.
PRUNE_EVERY = 500
KEEP_S = 24 * 3600


class RateCounter(Base):
    """One key's count in its current window (see havre.ratelimit)."""

    __tablename__ = "rate_counters"
    __table_args__ = {"info": not_owned("a keyed hash of an action and the account or address doing it, "
                                        "with a count; kept one day past its window")}

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=SENSITIVE)
    window_start: Mapped[int] = mapped_column(BigInteger, info=OPERATIONAL)  # POSIX seconds
    window_end: Mapped[int] = mapped_column(BigInteger, index=True, info=OPERATIONAL)
    count: Mapped[int] = mapped_column(Integer, info=OPERATIONAL)


COUNTERS = cast(Table, RateCounter.__table__)


@dataclass(frozen=True)
class Rate:
    """At most ``count`` units per ``per_s`` seconds."""

    count: int
    per_s: int

    def scaled(self, factor: float) -> Rate:
        return Rate(max(1, round(self.count * factor)), self.per_s)

    def __str__(self) -> str:
        return f"{self.count:,} per {_span(self.per_s)}"


def _span(seconds: int) -> str:
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % length == 0:
            n = seconds // length
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds} s"


class RateLimiter:
    """Counts units against limits; one per app (or CLI run), holding the instance secret.

    ``factor`` multiplies every limit: 1 in service; a load test of one account raises it."""

    def __init__(self, *, secret: bytes, factor: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self.factor = factor
        self.clock = clock  # POSIX seconds; a test holds it still so that no window ends mid-test
        self._counted = itertools.count(1)

    def key(self, *parts: str) -> str:
        return hmac.new(self._secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def spend(self, s: Session, key: str, rate: Rate, *, units: int = 1, now: float | None = None,
              scaled: bool = True) -> int:
        """Count ``units`` against ``rate`` (times ``factor`` unless not ``scaled``) for ``key`` in
        the caller's transaction; the seconds to wait before the window that would take them (0:
        within the limit, go ahead). Units past the limit are counted too: a client that keeps
        trying keeps its window full."""
        return self.spend_all(s, [(key, rate)], units=units, now=now, scaled=scaled)

    def spend_all(self, s: Session, limits: list[tuple[str, Rate]], *, units: int = 1, now: float | None = None,
                  scaled: bool = True) -> int:
        """``spend`` for several (key, rate) pairs of distinct keys, in one statement (a request
        checks an action's limits per member and per address at once); the longest wait."""
        if not limits:
            return 0
        now = self.clock() if now is None else now
        rows, windows = [], {}
        for key, rate in limits:
            rate = rate.scaled(self.factor) if scaled else rate
            start = int(now // rate.per_s) * rate.per_s
            rows.append({"key_hash": key, "window_start": start, "window_end": start + rate.per_s, "count": units})
            windows[key] = (rate.count, start + rate.per_s)
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(COUNTERS).values(rows)
        same_window = COUNTERS.c.window_start == stmt.excluded.window_start
        upsert = stmt.on_conflict_do_update(index_elements=["key_hash"], set_={
            "count": case((same_window, COUNTERS.c.count + stmt.excluded.count), else_=stmt.excluded.count),
            "window_start": stmt.excluded.window_start, "window_end": stmt.excluded.window_end,
        }).returning(COUNTERS.c.key_hash, COUNTERS.c.count)
        counted: list[Any] = list(s.execute(upsert))
        if next(self._counted) % PRUNE_EVERY == 0:
            s.execute(delete(RateCounter).where(RateCounter.window_end < now - KEEP_S))
        waits = [max(1, int(windows[key][1] - now + 0.999)) for key, count in counted if count > windows[key][0]]
        return max(waits, default=0)

    def allows(self, s: Session, key: str, rate: Rate, *, now: float | None = None) -> bool:
        """Count one unit; whether it was within ``rate`` as written (never scaled: it is a rule of
        what counts, such as a visitor's share, not a limit a load test would lift)."""
        return self.spend(s, key, rate, now=now, scaled=False) == 0
