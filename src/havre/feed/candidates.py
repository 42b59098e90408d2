"""Every region's pool as arrays, built once per pool refresh, so a page scores all of it in numpy.

A page ranks up to a few thousand candidates; in Python that was ~20 ms per first page. Here the
per-candidate facts that do not change between refreshes (quality, age, creator and sound as
small integers, hashtags as a sparse row per candidate, the Thompson counts) are laid out once,
and the ranker (feed.ranking) works on whole arrays. The arrays are read-only once built: many
request threads share one ``Candidates``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # feed.pool builds these from its entries: only the type is needed here
    from havre.feed.pool import PoolEntry

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
_VERSIONS = itertools.count(1)
NEIGHBOUR_ROWS = 20_000  # anchors whose neighbours are kept as index arrays, per Candidates


def _index(names: Sequence[str]) -> tuple[list[str], dict[str, int], Ints]:
    """Distinct names in first-seen order, their positions, and each name's position."""
    position: dict[str, int] = {}
    codes = np.fromiter((position.setdefault(n, len(position)) for n in names), dtype=np.int64, count=len(names))
    return list(position), position, codes


class Candidates:
    """The candidates of every region, in one fixed order (``entries``)."""

    def __init__(self, entries: Sequence[PoolEntry]) -> None:
        self.version = next(_VERSIONS)  # caches keyed by it (visitors' list) see a refresh
        self.entries = list(entries)
        self.index = {e.id: n for n, e in enumerate(self.entries)}
        self.ids = [e.id for e in self.entries]
        n = len(self.entries)
        # Ties in score go to the smaller id: its rank among the ids, as a sort key.
        self.id_rank: Ints = np.argsort(np.argsort(np.array([e.id for e in self.entries], dtype=object)))
        self.owners, self.owner_of, self.owner = _index([e.owner_id for e in self.entries])
        sounds = [e.sound or "" for e in self.entries]
        self.sounds, self.sound_of, self.sound = _index(sounds)
        self.sound[np.array([s == "" for s in sounds], dtype=bool)] = -1  # no sound: shares nothing
        tags = [e.hashtags for e in self.entries]
        self.tags, self.tag_of, flat = _index([t for row in tags for t in row])
        self.tag_ptr: Ints = np.zeros(n + 1, dtype=np.int64)  # candidate i's tags: flat[tag_ptr[i]:tag_ptr[i+1]]
        np.cumsum([len(row) for row in tags], out=self.tag_ptr[1:])
        self.tag_codes = flat
        self.tag_row: Ints = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.tag_ptr))
        self.quality: Floats = np.array([e.quality for e in self.entries], dtype=np.float64)
        self.posted: Floats = np.array([e.posted_at.timestamp() for e in self.entries], dtype=np.float64)
        self.impressions: Ints = np.array([e.impressions for e in self.entries], dtype=np.int64)
        # Thompson sampling's Beta(wins, losses): completes and likes over the video's plays.
        self.wins: Floats = np.array([e.completes + e.likes + 1 for e in self.entries], dtype=np.float64)
        self.losses: Floats = np.array([max(0, e.plays - e.completes) + e.skips + e.not_interested + 1
                                        for e in self.entries], dtype=np.float64)
        self._neighbours: dict[tuple[str, str], tuple[Ints, Floats]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def positions(self, video_ids: Sequence[str] | set[str]) -> Ints:
        """Where these videos are among the candidates (those that are not, left out)."""
        found = [self.index[v] for v in video_ids if v in self.index]
        return np.array(found, dtype=np.int64)

    def mask(self, video_ids: Sequence[str] | set[str]) -> npt.NDArray[np.bool_]:
        out = np.zeros(len(self.entries), dtype=bool)
        out[self.positions(video_ids)] = True
        return out

    def row_max(self, per_entry: Floats) -> Floats:
        """For each candidate, the largest of ``per_entry`` over its hashtags (0 without any)."""
        out = np.zeros(len(self.entries), dtype=np.float64)
        if per_entry.size:
            np.maximum.at(out, self.tag_row, per_entry)
        return out

    def neighbour_rows(self, version: str, anchor: str,
                       neighbours: Callable[[str], list[tuple[str, float]]]) -> tuple[Ints, Floats]:
        """The model's neighbours of ``anchor`` that are candidates, as positions and weights
        (kept per model version: a model's rows never change, these candidates neither)."""
        key = (version, anchor)
        cached = self._neighbours.get(key)
        if cached is None:
            pairs = [(self.index[v], w) for v, w in neighbours(anchor) if v in self.index]
            cached = (np.array([p for p, _ in pairs], dtype=np.int64),
                      np.array([w for _, w in pairs], dtype=np.float64))
            with self._lock:
                if len(self._neighbours) < NEIGHBOUR_ROWS:
                    self._neighbours[key] = cached
        return cached
