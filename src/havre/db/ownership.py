"""Whose personal data a table's rows are, declared once on the table itself.

Every table that holds a personal or sensitive column says either who owns each row
(``owned``: the column naming the user, or the video whose owner it is) or why no one does
(``not_owned``). The region move, the residency audit (and the export and deletion built on
them) read these declarations instead of keeping lists of their own; a test fails on a table
that holds personal data and declares nothing. Declare it through ``__table_args__``::

    __table_args__ = {"info": owned("user_id")}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import MetaData, Table

OwnerKind = Literal["user", "video"]
# How a region move carries a table's rows of the person:
# "copy": copied to the new region, then deleted from the old one;
# "end": deleted, not copied (sessions: a move logs the person out everywhere);
# "audit": carried by the audit module itself, as history entries (``regions.audit``).
MoveRule = Literal["copy", "end", "audit"]


@dataclass(frozen=True, kw_only=True)
class Owned:
    column: str
    via: OwnerKind = "user"
    on_move: MoveRule = "copy"
    note: str = ""  # for the table in docs/residency.md, which is made from these declarations


@dataclass(frozen=True, kw_only=True)
class NotOwned:
    why: str


def owned(column: str, *, via: OwnerKind = "user", on_move: MoveRule = "copy", note: str = "") -> dict[str, Any]:
    """Table ``info`` saying that ``column`` names the user (or video) each row belongs to."""
    return {"ownership": Owned(column=column, via=via, on_move=on_move, note=note)}


def not_owned(why: str) -> dict[str, Any]:
    """Table ``info`` of a table with personal columns whose rows are no one's to carry, and why."""
    return {"ownership": NotOwned(why=why)}


def ownership_of(table: Table) -> Owned | NotOwned | None:
    declared = table.info.get("ownership")
    return declared if isinstance(declared, (Owned, NotOwned)) else None


def owned_tables(metadata: MetaData, *, on_move: Iterable[MoveRule] | None = None) -> list[tuple[Table, Owned]]:
    """Tables whose rows belong to a person, parents before children (the order to copy them in)."""
    rules = set(on_move) if on_move is not None else None
    found = []
    for table in metadata.sorted_tables:
        declared = ownership_of(table)
        if isinstance(declared, Owned) and (rules is None or declared.on_move in rules):
            found.append((table, declared))
    return found


def holds_personal_data(table: Table) -> bool:
    return any(c.info.get("data_class") in ("personal", "sensitive") for c in table.columns)
