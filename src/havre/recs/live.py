"""Training a region's model from what that region's members did, and swapping it in.

Only the region's own personal data is read (its members' completed and looped views, likes and
shares: ``recs.events`` and the social tables); the model is written to the same region's blob
store and never leaves it (docs/residency.md). Given a gateway, the training also shares what may
leave: the item pairs at least k viewers produced (``recs.sharing``). A new model is written under its own version,
then named in ``recs/current``: servers load it beside the old one and swap
(``recs.models_store``). The last ``KEEP`` versions are kept, older ones deleted.
"""

from __future__ import annotations

import dataclasses
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.blobs import keys
from havre.db.base import utcnow
from havre.recs.events import COMPLETE, LOOP, FeedEvent
from havre.recs.interactions import matrix_from_ids
from havre.recs.privacy import shareable
from havre.recs.sharing import publish
from havre.recs.train import train
from havre.regions import Region
from havre.regions.gateway import Gateway
from havre.social.marks import SHARE
from havre.social.models import CountMark, Like
from havre.tunables import K_FLOOR

MIN_INTERACTIONS = 20
MAX_EVENTS = 2_000_000
KEEP = 2


@dataclass(frozen=True)
class Trained:
    version: str | None  # None: too little data yet, nothing was written
    users: int
    items: int
    interactions: int
    seconds: float
    shared: dict[str, int] = dataclasses.field(default_factory=dict)  # region -> k-anonymous pairs written there


def positive_pairs(s: Session) -> list[tuple[str, str]]:
    """(member, video) pairs where the member showed they liked the video, newest events first."""
    queries = (select(FeedEvent.user_id, FeedEvent.video_id).where(FeedEvent.kind.in_((COMPLETE, LOOP)))
               .order_by(FeedEvent.id.desc()).limit(MAX_EVENTS),
               select(Like.user_id, Like.video_id),
               select(CountMark.user_id, CountMark.video_id).where(CountMark.kind == SHARE))
    return sorted({(str(user), str(video)) for query in queries for user, video in s.execute(query)})


def train_region(region: Region, *, seed: int = 0, progress: Callable[[float], None] | None = None,
                 embeddings: bool = True, min_interactions: int = MIN_INTERACTIONS,
                 share: Gateway | None = None, k: int = K_FLOOR) -> Trained:
    """Train ``region``'s model; with ``share`` (a gateway served for ``region``), also write its
    ``k``-anonymous pairs into every other region."""
    started = utcnow()
    with region.session() as s:
        pairs = positive_pairs(s)
    users = sorted({u for u, _ in pairs})
    items = sorted({v for _, v in pairs})
    if len(pairs) < min_interactions or len(items) < 2:
        return Trained(version=None, users=len(users), items=len(items), interactions=len(pairs), seconds=0.0)
    user_of = {u: n for n, u in enumerate(users)}
    item_of = {v: n for n, v in enumerate(items)}
    matrix = matrix_from_ids(np.array([user_of[u] for u, _ in pairs]), np.array([item_of[v] for _, v in pairs]),
                             n_users=len(users), n_items=len(items))
    model = dataclasses.replace(train(matrix, seed=seed, progress=progress, embeddings=embeddings),
                                item_ids=tuple(items))
    version = f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="havre-train-") as tmp:
        local = Path(tmp) / "model.npz"
        model.save(local)
        region.blobs.put_file(keys.recs_model(version), local)
    region.blobs.put_bytes(keys.recs_current(), version.encode(), content_type="text/plain")
    _forget_old_versions(region, keep=version)
    shared = publish(share, shareable(model, interactions=matrix, k=k), version=version) if share else {}
    return Trained(version=version, users=len(users), items=len(items), interactions=len(pairs),
                   seconds=(utcnow() - started).total_seconds(), shared=shared)


def _forget_old_versions(region: Region, *, keep: str) -> None:
    versions = sorted(k for k in region.blobs.keys("recs/") if k.startswith("recs/model-"))
    for key in versions[:-KEEP]:
        if key != keys.recs_model(keep):
            region.blobs.delete(key)
