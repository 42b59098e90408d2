from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]

from havre.recs.model import ItemModel
from havre.recs.train import train
from tests.recs.synthetic import A, B, item_features, two_cluster_matrix


@pytest.fixture(scope="module")
def model() -> ItemModel:
    return train(two_cluster_matrix(), item_features=[item_features()], seed=1)


def test_training_is_deterministic_for_a_seed() -> None:
    matrix = two_cluster_matrix()
    first = train(matrix, item_features=[item_features()], seed=7)
    second = train(matrix, item_features=[item_features()], seed=7)
    assert np.array_equal(first.query, second.query)
    assert np.array_equal(first.target, second.target)
    assert (first.neighbours != second.neighbours).nnz == 0
    history = matrix[:20]
    assert np.array_equal(first.score_users(history), second.score_users(history))


def test_training_reports_progress_up_to_one() -> None:
    seen: list[float] = []
    train(two_cluster_matrix(users=20), seed=0, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(1.0)
    assert seen == sorted(seen)


def test_save_and_load_round_trip(model: ItemModel, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ItemModel.load(path)
    assert list(tmp_path.iterdir()) == [path]  # the temporary file was renamed into place
    assert (loaded.neighbours != model.neighbours).nnz == 0
    for name in ("prior_share", "prior", "query", "target", "bias"):
        assert np.array_equal(getattr(loaded, name), getattr(model, name)), name
    assert loaded.embedding_weight == model.embedding_weight
    assert loaded.info == model.info
    history = two_cluster_matrix()[:10]
    assert np.array_equal(loaded.score_users(history), model.score_users(history))


def test_item_ids_survive_a_round_trip(model: ItemModel, tmp_path: Path) -> None:
    import dataclasses

    named = dataclasses.replace(model, item_ids=tuple(f"video-{i}" for i in range(model.n_items)))
    named.save(tmp_path / "named.npz")
    assert ItemModel.load(tmp_path / "named.npz").item_ids == named.item_ids


def test_load_refuses_other_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="junk.npz"):
        ItemModel.load(junk)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a"):
        ItemModel.load(other)


def _with_recency(weights: Sequence[float], *, half_life: float = 3.0) -> list[float]:
    """Weights of recent items (oldest first) discounted by age, as a viewer's latest events count."""
    count = len(weights)
    return [float(w) * 0.5 ** ((count - 1 - i) / half_life) for i, w in enumerate(weights)]


def _top(model: ItemModel, recent: Sequence[int], weights: Sequence[float] | None = None, *, k: int = 10) -> list[int]:
    """The k best item ids for one viewer from ``score_viewer``, leaving out the recent ones."""
    scores = model.score_viewer(recent, weights).astype(np.float64)
    scores[np.asarray(list(recent), dtype=np.int64)] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in order if np.isfinite(scores[i])]


def test_viewer_scoring_equals_batch_scoring(model: ItemModel) -> None:
    row = sp.csr_matrix((np.array([1.0, 2.0], dtype=np.float32), ([0, 0], [3, 25])), shape=(1, model.n_items))
    assert np.allclose(model.score_viewer([3, 25], [1.0, 2.0]), model.score_users(row)[0])


def test_a_viewer_moving_from_one_cluster_to_another_sees_the_new_one(model: ItemModel) -> None:
    recent = [A[0], A[1], A[2], A[3]]
    top = _top(model, recent, _with_recency([1.0] * len(recent)), k=10)
    assert sum(item in A for item in top) >= 8
    recent += [B[0], B[1], B[2]]
    top = _top(model, recent, _with_recency([1.0] * len(recent)), k=10)
    assert sum(item in B for item in top) >= 8


def test_not_interested_removes_the_item_and_lowers_its_neighbours(model: ItemModel) -> None:
    before = model.score_viewer([A[0]], [1.0])
    after = model.score_viewer([A[0], A[1]], [1.0, -1.0])
    assert after[A[1]] == -np.inf
    assert A[1] not in _top(model, [A[0], A[1]], [1.0, -1.0], k=model.n_items)
    neighbours = [item for item, _ in model.neighbours_of(A[1], n=5) if item != A[0]]
    assert neighbours and all(after[item] < before[item] for item in neighbours)


def test_an_empty_history_gets_popularity(model: ItemModel) -> None:
    scores = model.score_viewer([])
    assert np.isfinite(scores).all()
    assert _top(model, [], k=3) == [int(i) for i in np.argsort(-scores, kind="stable")[:3]]


def test_neighbours_only_variant() -> None:
    plain = train(two_cluster_matrix(), seed=0, embeddings=False)
    assert plain.query.shape[1] == 0 and plain.embedding_weight == 0.0
    top = _top(plain, [B[0], B[1]], k=10)
    assert sum(item in B for item in top) >= 8


def test_bad_viewer_input_is_refused(model: ItemModel) -> None:
    with pytest.raises(ValueError, match="item ids"):
        model.score_viewer([model.n_items])
    with pytest.raises(ValueError, match="length"):
        model.score_viewer([1, 2], [1.0])


def test_tiny_data_without_any_shared_item_still_trains() -> None:
    from havre.recs.interactions import from_pairs

    tiny = train(from_pairs([(0, 0), (1, 1), (2, 2)]), seed=0)
    assert tiny.neighbours.nnz == 0
    assert np.isfinite(tiny.score_viewer([0])).all()
    assert sorted(_top(tiny, [0], k=2)) == [1, 2]
