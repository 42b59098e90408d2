"""The trained item-to-item model of each region, loaded by the server and swapped when retrained.

``havre recs train`` (and the scheduled job) writes a region's model as one blob
(``blobs.keys.recs_model(version)``), then names that version in ``recs/current``. Each server
process reads that name at most every ``CHECK_S`` and loads a new version beside the old one,
then swaps the reference: no request sees half a model, and only the one request that finds a
new version waits for its load.

Beside its own model a region holds the item pairs other regions shared with it
(``recs/shared/SOURCE/...``, ``recs.sharing``: only pairs at least k of their viewers produced);
they are loaded with it, and a new version of any of them is a new version of the whole.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from havre.blobs import BlobNotFound, BlobStore, keys
from havre.regions import Region

if TYPE_CHECKING:  # numpy's array types only: this module loads no numpy itself
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]

log = logging.getLogger(__name__)
CHECK_S = 10.0


class ServingModel(Protocol):
    version: str

    def neighbours(self, video_id: str) -> list[tuple[str, float]]: ...

    def embedding_offers(self, anchors: Sequence[tuple[str, float]], candidate_ids: Sequence[str], *,
                         key: int) -> tuple[Ints, Floats, Ints]: ...


class ModelStore:
    def __init__(self, *, check_s: float = CHECK_S) -> None:
        self.check_s = check_s
        self._models: dict[str, ServingModel | None] = {}
        self._checked: dict[str, tuple[float, str]] = {}  # region -> (when checked, version seen)
        self._lock = threading.Lock()

    def get(self, region: Region) -> ServingModel | None:
        when, _ = self._checked.get(region.name, (float("-inf"), ""))
        if time.monotonic() - when >= self.check_s and self._lock.acquire(blocking=False):
            try:
                self._refresh(region)
            finally:
                self._lock.release()
        return self._models.get(region.name)

    def _refresh(self, region: Region) -> None:
        own = _named(region.blobs, keys.recs_current())
        shared = {source: version for source in _sources(region.blobs)
                  if (version := _named(region.blobs, keys.recs_shared_current(source)))}
        version = "+".join([own or "-"] + [f"{source}:{v}" for source, v in sorted(shared.items())])
        if own is None and not shared:
            self._models[region.name] = None
        else:
            loaded = self._models.get(region.name)
            if loaded is None or loaded.version != version:
                self._models[region.name] = _load(region, own, shared, version)
        self._checked[region.name] = (time.monotonic(), version)


def _named(blobs: BlobStore, pointer: str) -> str | None:
    try:
        return blobs.get_bytes(pointer).decode().strip() or None
    except BlobNotFound:
        return None


def _sources(blobs: BlobStore) -> list[str]:
    """The regions whose item pairs this store holds (``recs.sharing``)."""
    return sorted({key.split("/")[2] for key in blobs.keys("recs/shared/") if key.count("/") == 3})


def _load(region: Region, own: str | None, shared: dict[str, str], version: str) -> ServingModel:
    # The model code (and scipy, which it reads models with) loads only in a process that serves one.
    from havre.recs.model import ItemModel
    from havre.recs.serving import ServedModel

    with tempfile.TemporaryDirectory(prefix="havre-model-") as tmp:
        def fetch(key: str) -> ItemModel | None:
            local = Path(tmp) / key.replace("/", "_")
            try:
                region.blobs.download(key, local)
            except BlobNotFound:  # replaced since its name was read: the next check finds the new one
                return None
            try:
                return ItemModel.load(local)
            except ValueError:  # served without it until a whole one is written
                log.exception("%s's model file %s is damaged", region.name, key)
                return None

        model = fetch(keys.recs_model(own)) if own else None
        others = [m for source, v in sorted(shared.items()) if (m := fetch(keys.recs_shared(source, v)))]
    return ServedModel(model=model, shared=tuple(others), version=version)
