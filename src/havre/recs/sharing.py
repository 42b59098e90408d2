"""What a region's model may share with the others: item pairs at least k of its viewers produced.

A region's model is learned from its own members and stays home (docs/residency.md). Its
neighbour weights, "people who watched this to the end also watched that", are useful to every
region, but a pair that two people produced points at those two. So after each training the
region builds a *shareable* copy (``recs.privacy.shareable``: only pairs that at least k distinct
viewers produced, no embeddings, no popularity, only the items that keep a pair) and writes it
into each other region's blob store through the gateway (an audited aggregate write). A region's
servers read the copies it holds beside its own model (``recs.models_store``).

k is ``Settings.recs_k_anonymity`` (at least 20). The writer checks what it is given: a file that
is not such a copy, or one whose k is lower than the floor, is refused and nothing is written.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs
from sqlalchemy.orm import Session

from havre.blobs import BlobStore, keys
from havre.db.base import utcnow
from havre.recs.model import ItemModel
from havre.regions import audit
from havre.regions.gateway import Gateway, aggregate_writer
from havre.tunables import K_FLOOR

log = logging.getLogger(__name__)


class NotShareable(ValueError):
    """A file offered as another region's shared pairs that is not one; the message says why."""


def check_shareable(model: ItemModel) -> None:
    floor = K_FLOOR  # read when called: the residency property test lowers it for its small workloads
    k = model.info.get("k_anonymity")
    if k is None:
        raise NotShareable("the file does not say how many viewers support each pair: "
                           "only a copy made by recs.privacy.shareable may leave its region")
    if not isinstance(k, int) or k < floor:
        raise NotShareable(f"the pairs are {k}-anonymous; at least {floor} viewers must support each pair")
    if model.query.shape[1] or model.embedding_weight:
        raise NotShareable("the file carries embeddings, which are learned from each viewer: they stay home")
    if model.neighbours.nnz and model.neighbours.data.min() <= 0:
        raise NotShareable("the file carries pair weights that are not positive")


@aggregate_writer
def put_shared_pairs(s: Session, blobs: BlobStore, source: str, version: str,
                     data: bytes) -> Callable[[Session], int]:
    """Item pairs that at least k viewers of another region watched together (k-anonymous)."""
    with tempfile.TemporaryDirectory(prefix="havre-shared-") as tmp:
        local = Path(tmp) / "shared.npz"
        local.write_bytes(data)
        try:
            model = ItemModel.load(local)
        except ValueError as exc:
            raise NotShareable(f"the shared pairs of {source} are not a model file: {exc}") from None
    check_shareable(model)
    pairs = int(model.neighbours.nnz)

    def write(s: Session) -> int:
        audit.hold_chain(s)  # two copies from one source at once: one after the other, the last one named
        blobs.put_bytes(keys.recs_shared(source, version), data)
        # The name last: a server never looks for a version that is not whole yet.
        blobs.put_bytes(keys.recs_shared_current(source), version.encode(), content_type="text/plain")
        for key in list(blobs.keys(keys.recs_shared_prefix(source))):
            if key.endswith(".npz") and key != keys.recs_shared(source, version):
                blobs.delete(key)  # only the copy in use is kept: a replaced one may name deleted videos
        return pairs

    return write


def publish(gw: Gateway, model: ItemModel, *, version: str) -> dict[str, int]:
    """Write ``model`` (a shareable copy) into every other region; pairs written per region. A
    region that cannot be reached now is logged and skipped: the next training writes again."""
    check_shareable(model)
    with tempfile.TemporaryDirectory(prefix="havre-share-") as tmp:
        local = Path(tmp) / "shared.npz"
        model.save(local)
        data = local.read_bytes()
    written: dict[str, int] = {}
    for region in gw.regions:
        if region.name == gw.home.name:
            continue
        try:
            written[region.name] = gw.write_aggregate_file(region, put_shared_pairs, gw.home.name, version, data)
        except Exception:  # one region down must not keep the others from the new pairs
            log.exception("could not share %s's item pairs with %s", gw.home.name, region.name)
    return written


def withdraw(gw: Gateway) -> dict[str, int]:
    """Replace what this region shared with nothing (it has too little to train on now)."""
    empty = ItemModel(neighbours=sp.csr_matrix((0, 0), dtype=np.float32), prior_share=np.zeros(0, np.float32),
                      prior=np.zeros(0, np.float32), query=np.zeros((0, 0), np.float32),
                      target=np.zeros((0, 0), np.float32), bias=np.zeros(0, np.float32), embedding_weight=0.0,
                      info={"variant": "shared neighbours", "k_anonymity": K_FLOOR, "items": 0, "pairs": 0})
    return publish(gw, empty, version=f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}-none")
