"""The trained model as the feed uses it: neighbours by video id, read from the region's own model
and from the item pairs other regions shared with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from havre.recs.model import ItemModel

NEIGHBOURS = 50
EMBEDDING_OFFERS = 50
"""Candidates the embeddings offer per page: the best few, as the neighbours offer their rows' heads."""
EMBEDDING_SHARE = 0.5
"""An embedding offer's likeness at most (the best candidate's), beside a neighbour's 1: the two
experts agree on most items; this brings the videos no co-watch links yet (new ones placed by
what they look and sound like) without outranking what the same viewers watched."""
SHARED_WEIGHT = 0.5
"""How much another region's pairs count beside the region's own (0..1]: its viewers are not this
region's, and each of its pairs is held back until k of them produced it, so it speaks later."""


@dataclass
class ServedModel:
    model: ItemModel | None
    version: str
    shared: tuple[ItemModel, ...] = ()
    _indexes: list[dict[str, int]] = field(default_factory=list)
    _cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _known: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None
    """(candidates' version, positions of those the model knows, their target vectors, their biases)."""

    def __post_init__(self) -> None:
        self._indexes = [{video_id: n for n, video_id in enumerate(m.item_ids)} for m in self._parts()]

    def _parts(self) -> list[ItemModel]:
        return ([self.model] if self.model is not None else []) + list(self.shared)

    def neighbours(self, video_id: str) -> list[tuple[str, float]]:
        """The videos most often watched to the end, liked or shared by the same viewers, with
        weights relative to the strongest (0..1]; none for a video no model has seen. Of a video
        both this region and another know, the larger weight counts."""
        cached = self._cache.get(video_id)
        if cached is None:
            best: dict[str, float] = {}
            for n, (part, index) in enumerate(zip(self._parts(), self._indexes, strict=True)):
                scale = 1.0 if n == 0 and self.model is not None else SHARED_WEIGHT
                at = index.get(video_id)
                for i, weight in part.neighbours_of(at, n=NEIGHBOURS) if at is not None else []:
                    other = part.item_ids[i]
                    best[other] = max(best.get(other, 0.0), scale * weight)
            cached = sorted(best.items(), key=lambda vw: (-vw[1], vw[0]))[:NEIGHBOURS]
            if len(self._cache) < 100_000:  # rows never change within a version
                self._cache[video_id] = cached
        return cached

    def embedding_offers(self, anchors: Sequence[tuple[str, float]], candidate_ids: Sequence[str], *,
                         key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidates the region's own embeddings rank highest for these anchors (video,
        weight): their positions among ``candidate_ids``, likeness (0..EMBEDDING_SHARE], and the
        anchor each is most like. Only candidates the model knows, never the whole catalogue:
        a page costs (candidates known) x d, whatever the model's size. ``key`` names this list
        of candidates (its rows are looked up once per key)."""
        none = (np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64))
        model = self.model
        if model is None or model.embedding_weight <= 0 or model.query.shape[1] == 0:
            return none
        index = self._indexes[0]
        at = [(n, index[v], w) for n, (v, w) in enumerate(anchors) if v in index]
        if not at:
            return none
        known = self._known  # read once: another request's thread may replace it meanwhile
        if known is None or known[0] != key:
            rows = np.array([index.get(v, -1) for v in candidate_ids], dtype=np.int64)
            positions = np.flatnonzero(rows >= 0)
            # Gathered once per list of candidates: a page then costs one (known x d) product.
            known = (key, positions, np.ascontiguousarray(model.target[rows[positions]], dtype=np.float32),
                     model.bias[rows[positions]].astype(np.float32))
            self._known = known
        _, positions, targets, biases = known
        if positions.size == 0:
            return none
        # Each page runs this between pauses, on cold caches, where every numpy call costs more
        # than its arithmetic: kept to a few calls on small arrays beside the one product.
        anchor_of, anchor_rows, weights = (np.array(column) for column in zip(*at, strict=True))
        query = model.query[anchor_rows]
        state = (weights / weights.sum()).astype(np.float32) @ query  # as ItemModel.score_users: the weighted mean
        logits = targets @ state + biases
        best = top_positions(logits, EMBEDDING_OFFERS)
        top = logits[best].astype(np.float64)
        likeness = EMBEDDING_SHARE * np.exp(model.embedding_weight * (top - top[0]))
        which = np.argmax(targets[best] @ query.T, axis=1)  # the anchor it is most like
        return positions[best], likeness, anchor_of[which]


def top_positions(values: np.ndarray, n: int) -> np.ndarray:
    """The positions of the ``n`` largest values, largest first (of equals, the first position):
    a partition, then a sort of those ``n`` only, not of every candidate on every page."""
    if values.size > n:
        cut = np.partition(values, values.size - n)[values.size - n]  # the n-th largest
        above = np.flatnonzero(values > cut)
        # A tie across the cut keeps the first positions, as a full stable sort would.
        top = np.concatenate((above, np.flatnonzero(values == cut)[:n - above.size]))
    else:
        top = np.arange(values.size)
    return top[np.lexsort((top, -values[top]))]
