"""Declarative base, shared column types and the data-class labels every column carries.

Every column declares what kind of data it holds, through ``info=``:
PUBLIC (shown to anyone), PERSONAL (about a person, stays in their home region),
SENSITIVE (secrets: password hashes, session tokens) or OPERATIONAL (bookkeeping).
A test fails on a column without one, so residency rules can be checked mechanically.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

DATA_CLASSES = ("public", "personal", "sensitive", "operational")
PUBLIC: dict[str, Any] = {"data_class": "public"}
PERSONAL: dict[str, Any] = {"data_class": "personal"}
SENSITIVE: dict[str, Any] = {"data_class": "sensitive"}
OPERATIONAL: dict[str, Any] = {"data_class": "operational"}

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def new_id() -> str:
    """Random, URL-safe, globally unique id: rows can move between regions without clashes. Never
    starting with "-": such an id given to the CLI (`havre videos show ID`) reads as an option."""
    while (token := secrets.token_urlsafe(8)).startswith("-"):
        pass
    return token


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use havre.db.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
