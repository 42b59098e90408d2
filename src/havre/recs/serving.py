"""The trained model as the feed uses it: neighbours by video id, read from the model's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from havre.recs.model import ItemModel

NEIGHBOURS = 50


@dataclass
class ServedModel:
    model: ItemModel
    version: str
    _index: dict[str, int] = field(default_factory=dict)
    _cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {video_id: n for n, video_id in enumerate(self.model.item_ids)}

    def neighbours(self, video_id: str) -> list[tuple[str, float]]:
        """The videos most often watched to the end, liked or shared by the same viewers, with
        weights relative to the strongest (0..1]; none for a video the model has not seen."""
        cached = self._cache.get(video_id)
        if cached is None:
            index = self._index.get(video_id)
            near = self.model.neighbours_of(index, n=NEIGHBOURS) if index is not None else []
            cached = [(self.model.item_ids[i], weight) for i, weight in near]
            if len(self._cache) < 100_000:  # rows never change within a version
                self._cache[video_id] = cached
        return cached


def load_serving_model(path: Path, *, version: str) -> ServedModel:
    return ServedModel(model=ItemModel.load(path), version=version)
