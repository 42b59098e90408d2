from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import (
    OPERATIONAL,
    PERSONAL,
    PUBLIC,
    SENSITIVE,
    Base,
    UTCDateTime,
    new_id,
    utcnow,
)
from havre.db.ownership import not_owned, owned


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"info": owned("id", note="the account; `home_region` must equal the region holding it")}

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=PUBLIC)
    handle: Mapped[str] = mapped_column(String(32), unique=True, info=PUBLIC)
    display_name: Mapped[str] = mapped_column(String(64), default="", info=PUBLIC)
    bio: Mapped[str] = mapped_column(Text, default="", info=PUBLIC)
    avatar_key: Mapped[str | None] = mapped_column(String(256), info=PUBLIC)
    password_hash: Mapped[str] = mapped_column(String(256), info=SENSITIVE)
    home_region: Mapped[str] = mapped_column(String(32), info=OPERATIONAL)
    follower_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    following_count: Mapped[int] = mapped_column(Integer, default=0, info=PUBLIC)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
    # When the account is to be deleted (``portability.deletion``): a date ahead is the grace period,
    # which logging in cancels; a date passed means it is being deleted and logins are refused.
    delete_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=PERSONAL)
    # The language the member chose in Settings ("en", "fr"); None: follow the browser (web.i18n).
    # Read on every signed-in request with the session, exported and restored by an archive import.
    language: Mapped[str | None] = mapped_column(String(8), info=PERSONAL)
    # Whether anyone may open the member's "Liked" tab (off: only they see it; the API answers 404).
    likes_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), info=PERSONAL)
    # The one of their own videos shown first on their profile, with a "Pinned" badge (a video
    # deleted since is simply not shown: the profile reads it with the member's other videos).
    pinned_video_id: Mapped[str | None] = mapped_column(String(16), info=PUBLIC)


class AuthSession(Base):
    """A login. Only the SHA-256 of the cookie token is stored, so a DB leak opens no session."""

    __tablename__ = "auth_sessions"
    __table_args__ = {
        "info": owned("user_id", on_move="end", note="only the SHA-256 of the cookie token; a move logs out"),
    }

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=SENSITIVE)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, info=PERSONAL)
    user_agent: Mapped[str] = mapped_column(String(256), default="", info=PERSONAL)


class LoginFailure(Base):
    """Failed logins, for throttling; rows older than the window are pruned on write."""

    __tablename__ = "login_failures"
    __table_args__ = {"info": not_owned("a salted hash of handle and client address, kept 15 minutes")}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=OPERATIONAL)
    # Hash of (handle, client address): throttles without keeping who tried what.
    key_hash: Mapped[str] = mapped_column(String(64), index=True, info=SENSITIVE)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)


class AccountLoginFailure(Base):
    """Failed logins per account, whatever the address (the slow throttle of accounts.throttle);
    rows are pruned after a day."""

    __tablename__ = "account_login_failures"
    __table_args__ = {"info": not_owned("a hash of the handle tried, kept 24 hours")}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=OPERATIONAL)
    # Hash of the handle tried (known or not, so the throttle tells nothing about who exists).
    key_hash: Mapped[str] = mapped_column(String(64), index=True, info=SENSITIVE)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=OPERATIONAL)


class Follow(Base):
    """Who follows whom. With the accounts, below videos: a follow decides who sees a
    followers-only video. Following and unfollowing (and their counts) are social's actions."""

    __tablename__ = "follows"
    __table_args__ = {"info": owned("follower_id", note="the follower's row, whatever region the creator is in")}

    follower_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                             info=PERSONAL)
    followee_id: Mapped[str] = mapped_column(String(16), primary_key=True, index=True, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
