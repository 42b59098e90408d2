"""Every write to accounts happens here: signup, login, sessions, profile edits."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from havre.accounts import throttle
from havre.accounts.models import AuthSession, User
from havre.blobs import BlobStore, keys
from havre.db.base import utcnow
from havre.errors import N_, HavreError, InvalidInput

HANDLE_RE = re.compile(r"^[a-z0-9_][a-z0-9_.]{1,29}$")
MIN_PASSWORD = 8
# Far beyond any passphrase; argon2 and the request body need no more.
MAX_PASSWORD_BYTES = 1024
MAX_DISPLAY_NAME = 64
MAX_BIO = 500
# The most frequent leaked passwords (scripts/common_passwords.py says where they come from).
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
SESSION_TTL = timedelta(days=30)
# A language tag as ``users.language`` keeps it ("fr", "pt-BR"); which ones have pages is the web's to say.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
RESERVED = {"api", "static", "media", "admin", "login", "logout", "signup", "upload", "settings", "v", "tag",
            "following", "sound", "import"}


class AccountError(InvalidInput):
    """A user-facing problem with a signup, login or profile edit; ``field`` names the form field."""


class LoginThrottled(HavreError):
    status_code = 429

    def __init__(self, retry_after_s: int, *, account: bool = False) -> None:
        if account and retry_after_s > 2 * 3600:  # the account-wide lock, in hours past the first two
            super().__init__(N_("Too many failed logins on this account; try again in %(hours)s hours."),
                             hours=math.ceil(retry_after_s / 3600))
        else:
            super().__init__(N_("Too many failed logins; try again in %(minutes)s minutes."),
                             minutes=retry_after_s // 60 + 1)
        self.retry_after_s = retry_after_s


def normalize_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def validate_handle(handle: str) -> str:
    handle = normalize_handle(handle)
    if not HANDLE_RE.match(handle) or handle in RESERVED:
        raise AccountError(
            N_("Handles are 2 to 30 characters: lowercase letters, digits, '_' and '.', not starting with '.'."),
            field="handle")
    return handle


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def _check_length(password: str) -> None:
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(N_("Passwords are at most %(max)s bytes: that is %(max)s plain letters, fewer with "
                              "accented letters or emoji (which take 2 to 4 bytes each)."),
                           field="password", max=MAX_PASSWORD_BYTES)


def validate_password(password: str) -> None:
    """The rules for any new password (signup, and any later change: they all hash through here)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("Passwords need at least %(min)s characters."), field="password", min=MIN_PASSWORD)
    _check_length(password)
    # Guessers try these first, on every account; case and surrounding spaces do not slow them.
    if password.strip().casefold() in common_passwords():
        raise AccountError(N_("This password is one of the most common ones, which are guessed first; "
                              "choose another."), field="password")


def hash_password(password: str) -> str:
    validate_password(password)
    return _hasher.hash(password)


def create_user(s: Session, *, user_id: str, handle: str, password_hash: str, home_region: str,
                display_name: str = "", bio: str = "") -> User:
    """The account row in its home region (``accounts.signin`` claims the handle globally first)."""
    handle = validate_handle(handle)
    if s.scalar(select(User.id).where(User.handle == handle)):
        raise AccountError(N_("The handle @%(handle)s is taken; pick another."), field="handle", handle=handle)
    user = User(id=user_id, handle=handle, password_hash=password_hash, home_region=home_region,
                display_name=display_name or handle, bio=bio)
    s.add(user)
    s.flush()
    return user


def lock_member(s: Session, user_id: str) -> None:
    """Make ``s`` the only writer for this member until it commits: a write to the member's row
    takes PostgreSQL's row lock and SQLite's database write lock alike. What ``s`` reads after
    this includes every write of a request that held the lock before (a plain SELECT ... FOR
    UPDATE would not serialise SQLite, where a read starts no transaction)."""
    s.execute(update(User).where(User.id == user_id).values(home_region=User.home_region))


def user_by_handle(s: Session, handle: str) -> User | None:
    return s.scalar(select(User).where(User.handle == normalize_handle(handle)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(s: Session, *, handle: str, password: str, client: str,
                 max_failures: int = 5, window_s: int = 900) -> User:
    """Check a password; raises AccountError on mismatch and LoginThrottled after too many
    (per handle and client address, and per account: see accounts.throttle)."""
    _check_length(password)  # no stored password is longer: refused before any hashing
    handle = normalize_handle(handle)
    wait, account_wide = throttle.retry_after_s(s, handle=handle, client=client, max_failures=max_failures,
                                                window_s=window_s)
    if wait:
        raise LoginThrottled(wait, account=account_wide)
    user = user_by_handle(s, handle)
    try:
        if user is None:
            _hasher.hash(password)  # spend the same time whether or not the handle exists
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        throttle.record_failure(s, handle=handle, client=client)
        s.commit()
        raise AccountError(N_("Wrong handle or password."), field="password") from None
    throttle.forget_address(s, handle=handle, client=client)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


@dataclass(frozen=True)
class NewSession:
    token: str
    session: AuthSession


def start_session(s: Session, user: User, *, user_agent: str = "") -> NewSession:
    token = secrets.token_urlsafe(32)
    row = AuthSession(token_hash=_token_hash(token), user_id=user.id,
                      expires_at=utcnow() + SESSION_TTL, user_agent=user_agent[:256])
    s.add(row)
    return NewSession(token=token, session=row)


# Every signed-in request asks this: one statement, built once, and one round trip.
_USER_OF_SESSION = (select(User).join(AuthSession, AuthSession.user_id == User.id)
                    .where(AuthSession.token_hash == bindparam("token_hash"),
                           AuthSession.expires_at >= bindparam("now")))


def user_for_token(s: Session, token: str) -> User | None:
    return s.scalars(_USER_OF_SESSION, {"token_hash": _token_hash(token), "now": utcnow()}).first()


_MEMBER_OF_SESSION = (select(User.id, User.language).join(AuthSession, AuthSession.user_id == User.id)
                      .where(AuthSession.token_hash == bindparam("token_hash"),
                             AuthSession.expires_at >= bindparam("now")))


@dataclass(frozen=True, slots=True)
class Member:
    """Who a session names, as the hottest requests need it: no ORM row to build."""

    id: str
    language: str | None  # the language chosen in Settings; None: the browser's


def member_for_token(s: Session, token: str) -> Member | None:
    """The same lookup as ``user_for_token``, for the id and the chosen language alone (feed pages,
    the hottest requests, need no more)."""
    row = s.connection().execute(_MEMBER_OF_SESSION, {"token_hash": _token_hash(token), "now": utcnow()}).first()
    return Member(id=row[0], language=row[1]) if row is not None else None


def member_id_for_token(s: Session, token: str) -> str | None:
    member = member_for_token(s, token)
    return member.id if member is not None else None


def end_session(s: Session, token: str) -> None:
    s.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def update_profile(s: Session, user: User, *, display_name: str | None = None, bio: str | None = None) -> User:
    if display_name is not None:
        display_name = display_name.strip()
        if not 1 <= len(display_name) <= MAX_DISPLAY_NAME:
            raise AccountError(N_("Display names are 1 to %(max)s characters."), field="display_name",
                               max=MAX_DISPLAY_NAME)
        user.display_name = display_name
    if bio is not None:
        if len(bio) > MAX_BIO:
            raise AccountError(N_("Bios are at most %(max)s characters."), field="bio", max=MAX_BIO)
        user.bio = bio.strip()
    return user


def set_language(user: User, language: str | None) -> None:
    """The language the member reads Havre in; None follows their browser."""
    if language is not None and not LANGUAGE_RE.fullmatch(language):
        raise AccountError(N_("This language is not available."), field="language")
    user.language = language


def set_avatar(s: Session, blobs: BlobStore, user: User, jpeg: bytes) -> None:
    """Store an already-normalized JPEG as the user's avatar (see accounts.avatar)."""
    blobs.put_bytes(keys.avatar(user.id), jpeg, content_type="image/jpeg")
    user.avatar_key = keys.avatar(user.id)
