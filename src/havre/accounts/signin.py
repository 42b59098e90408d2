"""Signing up and logging in across regions: the directory says where a handle lives.

A signup claims the handle in the global directory first (its unique index settles races
between regions), then creates the account in the chosen home region; if that fails, the
claim is released, so nothing half-made stays. A login goes straight to the handle's home.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from havre.accounts import service
from havre.accounts.models import User
from havre.db.base import new_id, utcnow
from havre.errors import N_
from havre.regions import Region, Regions, UnknownRegion, serving
from havre.regions.directory import HandleTaken


@dataclass(frozen=True)
class SignedIn:
    region: Region
    user: User
    token: str  # the session cookie's token; "" when no session was opened (CLI, demo)
    # The login ended the grace period of a requested deletion (the page says it was cancelled).
    deletion_cancelled: bool = False


class AccountBeingDeleted(service.AccountError):
    """The grace period of the account's deletion is over: it is being deleted, and nobody may log in."""

    def __init__(self) -> None:
        super().__init__(N_("This account is being deleted; it can no longer be used."))


def cancel_pending_deletion(s: Session, user: User) -> bool:
    """End the grace period of ``user``'s requested deletion (in the caller's transaction); True if
    there was one. Raises AccountBeingDeleted once it is over (``portability.deletion``)."""
    if user.delete_after is None:
        return False
    now = utcnow()
    if user.delete_after <= now:
        raise AccountBeingDeleted()
    # Conditional: the deletion may have started since the row was read.
    result = cast("CursorResult[Any]", s.execute(
        update(User).where(User.id == user.id, User.delete_after > now).values(delete_after=None)))
    if result.rowcount != 1:
        raise AccountBeingDeleted()
    user.delete_after = None
    return True


def choose_region(regions: Regions, name: str | None) -> Region:
    if not name:
        return regions.default
    try:
        return regions.get(name)
    except UnknownRegion:
        raise service.AccountError(N_("Choose where your data lives among %(choices)s."), field="region",
                                   choices=", ".join(regions.names)) from None


def sign_up(regions: Regions, *, handle: str, password: str, region: str | None = None,
            user_agent: str = "", open_session: bool = True, display_name: str = "", bio: str = "") -> SignedIn:
    home = choose_region(regions, region)
    handle = service.validate_handle(handle)
    password_hash = service.hash_password(password)
    user_id = new_id()
    try:
        regions.directory.claim_handle(user_id=user_id, handle=handle, region=home.name)
    except HandleTaken:
        raise service.AccountError(N_("The handle @%(handle)s is taken; pick another."), field="handle",
                                   handle=handle) from None
    try:
        with serving(home.name), home.session() as s:
            user = service.create_user(s, user_id=user_id, handle=handle, password_hash=password_hash,
                                       home_region=home.name, display_name=display_name, bio=bio)
            token = service.start_session(s, user, user_agent=user_agent).token if open_session else ""
            s.commit()
    except BaseException:
        regions.directory.release_user(user_id)
        raise
    return SignedIn(home, user, token)


def log_in(regions: Regions, *, handle: str, password: str, client: str, user_agent: str = "",
           max_failures: int, window_s: int) -> SignedIn:
    # Unknown handles are checked (and throttled) in the default region, at the same cost.
    handle = service.normalize_handle(handle)
    home = regions.home_of_handle(handle) or regions.default
    user_id = regions.directory.user_id_of_handle(handle)
    if user_id is not None and regions.directory.pending_move(user_id) is not None:
        # Nothing may be written behind the copy's back; the move takes minutes.
        raise service.AccountError(N_("Your account is moving to another region; try again in a few minutes."))
    with serving(home.name), home.session() as s:
        user = service.authenticate(s, handle=handle, password=password, client=client,
                                    max_failures=max_failures, window_s=window_s)
        # Logging in during a deletion's grace period cancels it; after it, the login is refused.
        cancelled = cancel_pending_deletion(s, user)
        new = service.start_session(s, user, user_agent=user_agent)
        s.commit()
    return SignedIn(home, user, new.token, deletion_cancelled=cancelled)
