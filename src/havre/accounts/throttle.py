"""Login throttling, in two layers (the numbers are in docs/security.md, "Login throttling").

- Per (handle, address): a few failures in a short window, then a wait. It stops one client
  guessing fast, and a person who mistypes waits minutes at most.
- Per account, whatever the address: a botnet gets a new address for every guess, so failures on
  one handle are also counted together, with a slower limit whose lock doubles each time it trips
  within a day. The lock is capped and failures are forgotten after a day, so an account is never
  locked for good; while an attack goes on, its owner waits too (that is the price of stopping it).

Only hashes of the keys are stored, and unknown handles are counted like known ones, so the
throttle's answers say nothing about which handles exist.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from havre.accounts.models import AccountLoginFailure, LoginFailure
from havre.db.base import utcnow

ACCOUNT_MAX_FAILURES = 20
ACCOUNT_WINDOW = timedelta(hours=1)
FIRST_LOCK = timedelta(hours=1)
LONGEST_LOCK = timedelta(hours=24)
# Failures older than this are dropped, and with them the doubling they earned.
ACCOUNT_MEMORY = timedelta(hours=24)


# Handles arrive normalized (accounts.service.normalize_handle).
def address_key(handle: str, client: str) -> str:
    return hashlib.sha256(f"{handle}|{client}".encode()).hexdigest()


def account_key(handle: str) -> str:
    return hashlib.sha256(f"account|{handle}".encode()).hexdigest()


def account_locked_until(failures: Sequence[datetime]) -> datetime | None:
    """When the lock earned by an account's failures (oldest first) ends; None if none was earned.

    Every ACCOUNT_MAX_FAILURES failures within ACCOUNT_WINDOW lock the account, for FIRST_LOCK
    the first time and twice as long each further time (at most LONGEST_LOCK).
    """
    window: deque[datetime] = deque()
    locks = 0
    until: datetime | None = None
    for at in failures:
        window.append(at)
        while window[0] <= at - ACCOUNT_WINDOW:
            window.popleft()
        if len(window) >= ACCOUNT_MAX_FAILURES:
            locks += 1
            until = at + min(FIRST_LOCK * 2 ** (locks - 1), LONGEST_LOCK)
            window.clear()
    return until


def retry_after_s(s: Session, *, handle: str, client: str, max_failures: int, window_s: int) -> tuple[int, bool]:
    """Seconds before this handle may be tried again from this client (0: now), and whether the
    account-wide lock is the reason. Prunes what neither layer needs any more."""
    now = utcnow()
    since = now - timedelta(seconds=window_s)
    s.execute(delete(LoginFailure).where(LoginFailure.at < since))
    s.execute(delete(AccountLoginFailure).where(AccountLoginFailure.at < now - ACCOUNT_MEMORY))
    wait_address = 0
    key = address_key(handle, client)
    if (s.scalar(select(func.count()).select_from(LoginFailure)
                 .where(LoginFailure.key_hash == key)) or 0) >= max_failures:
        oldest = s.scalar(select(func.min(LoginFailure.at)).where(LoginFailure.key_hash == key))
        assert oldest is not None
        wait_address = max(1, int((oldest - since).total_seconds()))
    until = account_locked_until(list(s.scalars(
        select(AccountLoginFailure.at).where(AccountLoginFailure.key_hash == account_key(handle))
        .order_by(AccountLoginFailure.at))))
    wait_account = max(1, int((until - now).total_seconds())) if until is not None and until > now else 0
    return max(wait_address, wait_account), wait_account > wait_address


def record_failure(s: Session, *, handle: str, client: str) -> None:
    s.add(LoginFailure(key_hash=address_key(handle, client)))
    s.add(AccountLoginFailure(key_hash=account_key(handle)))


def forget_address(s: Session, *, handle: str, client: str) -> None:
    """A success from this client clears its own count. The account's count stays: it is about
    the guesses of others, and the owner's login says nothing about those."""
    s.execute(delete(LoginFailure).where(LoginFailure.key_hash == address_key(handle, client)))
