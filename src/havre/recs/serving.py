"""The trained model as the feed uses it: neighbours by video id, read from the region's own model
and from the item pairs other regions shared with it."""

from __future__ import annotations

from dataclasses import dataclass, field

from havre.recs.model import ItemModel

NEIGHBOURS = 50
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
