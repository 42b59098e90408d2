"""The region's model serves both its experts: the neighbours (what the same viewers watched) and
the embeddings, which place a video that nobody has watched together with another yet."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

from havre.blobs import keys
from havre.recs.model import ItemModel
from havre.recs.serving import EMBEDDING_SHARE, ServedModel, top_positions
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos


def _model(item_ids: list[str], *, liked: str, near: str) -> ItemModel:
    """No item pairs at all; in the embeddings, ``near`` is where ``liked`` points."""
    n = len(item_ids)
    query, target = np.zeros((n, 2), np.float32), np.zeros((n, 2), np.float32)
    query[item_ids.index(liked)] = [1.0, 0.0]
    target[item_ids.index(near)] = [4.0, 0.0]
    return ItemModel(neighbours=sp.csr_matrix((n, n), dtype=np.float32), prior_share=np.ones(n, np.float32),
                     prior=np.full(n, 1.0 / n, np.float32), query=query, target=target,
                     bias=np.zeros(n, np.float32), embedding_weight=1.0, item_ids=tuple(item_ids))


def test_the_embeddings_offer_the_candidates_they_rank_highest_only() -> None:
    ids = [f"v{n}" for n in range(6)]
    served = ServedModel(model=_model(ids, liked="v0", near="v3"), version="1")
    candidates = ["x-unknown", "v3", "v1", "v0"]  # one the model never saw
    positions, likeness, which = served.embedding_offers([("v9-gone", 1.0), ("v0", 1.0)], candidates, key=1)
    assert positions[0] == 1 and likeness[0] == pytest.approx(EMBEDDING_SHARE) and which[0] == 1  # v3, from v0
    assert 0 not in positions  # unknown to the model: offered by nothing
    assert (likeness[1:] < likeness[0]).all()
    neighbours_only = ServedModel(model=dataclasses.replace(_model(ids, liked="v0", near="v3"), embedding_weight=0.0),
                                  version="2")
    assert neighbours_only.embedding_offers([("v0", 1.0)], candidates, key=1)[0].size == 0


def test_each_list_of_candidates_is_offered_from_its_own_rows() -> None:
    # The rows of a list are gathered once per key (a pool refresh): pages alternating between
    # lists, as pages of different regions' pools do, must each get their own.
    ids = [f"v{n}" for n in range(6)]
    served = ServedModel(model=_model(ids, liked="v0", near="v3"), version="1")
    lists = {1: ["v3", "v1", "v0"], 2: ["v2", "x-new", "v5", "v3"], 3: ["x-new", "v1"]}
    expected = {1: 0, 2: 3, 3: 1}  # where the best offer of each list is: v3, v3, then v1 (the only one known)
    for key in (1, 2, 3, 1, 3, 2, 2):
        positions, _, _ = served.embedding_offers([("v0", 1.0)], lists[key], key=key)
        assert positions.size and positions[0] == expected[key], (key, positions.tolist())
        assert all(lists[key][p] in ids for p in positions)  # only videos the model knows


def test_a_video_no_one_watched_with_another_yet_comes_from_the_embeddings(
        regions: Regions, make_client: Callable[[], ApiClient]) -> None:
    maker = make_client()
    maker.signup("maker")
    videos = add_videos(regions, "maker", [f"Clip {n}" for n in range(12)], plays=40, completes=10)
    liked, near = videos[0], videos[7]
    region = regions.default
    local = Path(tempfile.mkdtemp()) / "model.npz"
    _model(videos, liked=liked, near=near).save(local)
    region.blobs.put_file(keys.recs_model("v1"), local)
    region.blobs.put_bytes(keys.recs_current(), b"v1", content_type="text/plain")

    viewer = make_client()
    viewer.signup("viewer")
    assert viewer.post(f"/api/videos/{liked}/views", json={"watch_ms": 9000, "completed": True}).status_code == 204
    first = viewer.get("/api/feed/foryou").json()["items"][0]
    assert first["id"] == near and first["why"] == "Because you watched @maker to the end"


@pytest.mark.parametrize("seed", range(5))
def test_the_best_offers_are_those_a_full_stable_sort_puts_first(seed: int) -> None:
    """Offers are taken by a partition (not a sort of every candidate): the same videos, in the
    same order, ties to the first position, as sorting them all."""
    rng = np.random.default_rng(seed)
    for n in (1, 7, 50, 51, 400):
        for values in (rng.normal(size=n), rng.integers(0, 4, size=n).astype(np.float64)):  # ties, many
            for k in (1, 5, 50):
                assert top_positions(values, k).tolist() == np.argsort(-values, kind="stable")[:k].tolist()
    assert top_positions(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), 2).tolist() == [1, 2]
