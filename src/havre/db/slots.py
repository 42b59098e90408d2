"""``IN`` lists of bound parameters, in a few fixed sizes, for statements built once.

An expanding ``IN`` (``bindparam(..., expanding=True)``) has its SQL rendered anew on every
execution. On the statements every feed page runs (its cards, the viewer's marks on them) that
rendering cost about as much as the database's own work. Those statements take one parameter per
value instead, built once for each of ``SIZES``; a list is filled up to its size with its last
value (an ``IN`` ignores repeats), and a longer list is read in chunks of the largest size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam

SIZES = (1, 10, 20, 50)
LARGEST = SIZES[-1]
NOTHING = ""
"""What fills an empty list: no id is empty, so it matches no row."""


def size_for(count: int) -> int:
    """The smallest size that holds ``count`` values (at most ``LARGEST``: see ``chunks``)."""
    return next(n for n in SIZES if n >= count)


def in_slots(column: Any, name: str, size: int) -> ColumnElement[bool]:
    """``column IN (:name0, ..., :name{size-1})``."""
    return column.in_([bindparam(f"{name}{n}", type_=String) for n in range(size)])  # type: ignore[no-any-return]


def filled(name: str, values: Sequence[str], size: int) -> dict[str, str]:
    """The parameters of ``in_slots(column, name, size)`` for these values (at most ``size``)."""
    padded = [*values, *[values[-1] if values else NOTHING] * (size - len(values))]
    return {f"{name}{n}": value for n, value in enumerate(padded)}


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    """The values in runs of at most ``LARGEST`` (none for no values)."""
    for start in range(0, len(values), LARGEST):
        yield values[start:start + LARGEST]
