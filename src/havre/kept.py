"""``Kept``: a server process's short memory of things it read, bounded in count and in time.

Feeds keep a little between pages (a viewer's latest events, their list's items, creators'
handles, which crossings are on the audit chain already). Each cache checks what it holds
against the database where staleness would matter; this class only bounds them: at most
``max_items`` entries, each forgotten ``ttl_s`` after it was put, so nothing a deletion removed
stays in memory longer than that (docs/deletion.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Thread-safe; the values are shared between threads, so they must not be changed in place."""

    def __init__(self, *, max_items: int, ttl_s: float) -> None:
        self.max_items, self.ttl_s = max_items, ttl_s
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            kept = self._items.get(key)
            return kept[1] if kept is not None and time.monotonic() - kept[0] < self.ttl_s else None

    def __contains__(self, key: K) -> bool:
        return self.get(key) is not None

    def put(self, key: K, value: V) -> None:
        self.put_all([(key, value)])

    def put_all(self, pairs: Iterable[tuple[K, V]]) -> None:
        now = time.monotonic()
        with self._lock:
            for key, value in pairs:
                self._items[key] = (now, value)
                self._items.move_to_end(key)
            # The oldest are first: drop past the bound, and those past their time.
            while self._items and (len(self._items) > self.max_items
                                   or now - next(iter(self._items.values()))[0] >= self.ttl_s):
                self._items.popitem(last=False)

    def pop(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
