"""The trained item-to-item model of each region, loaded by the server and swapped when retrained.

``havre recs train`` (and the scheduled job) writes a region's model as one blob
(``blobs.keys.recs_model(version)``), then names that version in ``recs/current``. Each server
process reads that name at most every ``CHECK_S`` and loads a new version beside the old one,
then swaps the reference: no request sees half a model, and only the one request that finds a
new version waits for its load.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from havre.blobs import BlobNotFound, keys
from havre.regions import Region

CHECK_S = 10.0


class ServingModel(Protocol):
    version: str

    def neighbours(self, video_id: str) -> list[tuple[str, float]]: ...


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
        try:
            version = region.blobs.get_bytes(keys.recs_current()).decode().strip()
        except BlobNotFound:
            self._models[region.name] = None
            self._checked[region.name] = (time.monotonic(), "")
            return
        loaded = self._models.get(region.name)
        if loaded is None or loaded.version != version:
            # The model code (and scipy, which it reads models with) loads only in a process that serves one.
            from havre.recs.serving import load_serving_model

            with tempfile.TemporaryDirectory(prefix="havre-model-") as tmp:
                local = Path(tmp) / "model.npz"
                region.blobs.download(keys.recs_model(version), local)
                self._models[region.name] = load_serving_model(local, version=version)
        self._checked[region.name] = (time.monotonic(), version)

    def forget(self) -> None:
        self._models.clear()
        self._checked.clear()
