"""User-item interactions as a binary scipy CSR matrix (rows: users, columns: items)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

HEADER = ("user", "item")


class InteractionsError(ValueError):
    """A malformed interactions file; the message names the file and the line."""


def from_pairs(pairs: Iterable[tuple[int, int]], *, n_users: int | None = None,
               n_items: int | None = None) -> sp.csr_matrix:
    """A binary CSR matrix from (user, item) pairs; repeated pairs count once.

    The shape defaults to the largest ids seen plus one; give it explicitly when two splits
    must agree (a test split may lack the last users or items of the training one)."""
    array = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return matrix_from_ids(array[:, 0], array[:, 1], n_users=n_users, n_items=n_items)


def matrix_from_ids(users: np.ndarray, items: np.ndarray, *, n_users: int | None,
                    n_items: int | None) -> sp.csr_matrix:
    """A binary CSR matrix from parallel arrays of user and item ids (see `from_pairs`)."""
    if (users < 0).any() or (items < 0).any():
        raise ValueError("user and item ids must be non-negative")
    rows = int(users.max()) + 1 if users.size else 0
    cols = int(items.max()) + 1 if items.size else 0
    n_users = rows if n_users is None else n_users
    n_items = cols if n_items is None else n_items
    if rows > n_users or cols > n_items:
        raise ValueError(f"ids exceed the shape ({n_users} users, {n_items} items)")
    matrix = sp.csr_matrix((np.ones(users.size, dtype=np.float32), (users, items)),
                           shape=(n_users, n_items), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def read_pairs(path: Path) -> np.ndarray:
    """The (user, item) pairs of a `user,item` CSV with a header line, as an (n, 2) int64 array."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InteractionsError(f"{path}: cannot read: {exc}") from None
    lines = text.splitlines()
    if not lines or tuple(cell.strip() for cell in lines[0].split(",")) != HEADER:
        raise InteractionsError(f"{path}:1: expected the header 'user,item'")
    pairs = np.empty((len(lines) - 1, 2), dtype=np.int64)
    count = 0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != 2:
            raise InteractionsError(f"{path}:{number}: expected two comma-separated ids, got {line!r}")
        try:
            user, item = int(cells[0]), int(cells[1])
        except ValueError:
            raise InteractionsError(f"{path}:{number}: ids must be integers, got {line!r}") from None
        if user < 0 or item < 0:
            raise InteractionsError(f"{path}:{number}: ids must be non-negative, got {line!r}")
        pairs[count] = (user, item)
        count += 1
    return pairs[:count]


def load_interactions(path: Path, *, n_users: int | None = None, n_items: int | None = None) -> sp.csr_matrix:
    """Read a `user,item` CSV into a binary CSR matrix (see `from_pairs` for the shape)."""
    pairs = read_pairs(path)
    try:
        return matrix_from_ids(pairs[:, 0], pairs[:, 1], n_users=n_users, n_items=n_items)
    except ValueError as exc:
        raise InteractionsError(f"{path}: {exc}") from None
