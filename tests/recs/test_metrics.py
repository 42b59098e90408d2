from __future__ import annotations

import math

import numpy as np
import pytest

from havre.recs.interactions import from_pairs
from havre.recs.metrics import ranking_metrics, top_k

LOG3 = math.log2(3)


def fixed(scores: np.ndarray):  # type: ignore[no-untyped-def]
    return lambda users: scores[users]


def test_excludes_training_items_and_divides_by_relevant() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.6, 0.5]])
    train = from_pairs([(0, 0)], n_users=1, n_items=5)
    test = from_pairs([(0, 2), (0, 4)], n_users=1, n_items=5)
    # item 0 is removed, so the top 2 are items 1 and 2: one hit of two, at rank 2
    result = ranking_metrics(fixed(scores), train=train, test=test, k=2)
    assert result.recall == pytest.approx(0.5)
    assert result.ndcg == pytest.approx((1 / LOG3) / (1 + 1 / LOG3))
    assert result.users == 1


def test_averages_over_users_of_the_test_split_only() -> None:
    scores = np.tile([0.9, 0.8, 0.7, 0.6, 0.5], (3, 1))
    train = from_pairs([(0, 0)], n_users=3, n_items=5)
    test = from_pairs([(0, 2), (0, 4), (2, 3)], n_users=3, n_items=5)  # user 1 has no test item
    result = ranking_metrics(fixed(scores), train=train, test=test, k=2)
    # user 0: recall 1/2, ndcg as above; user 2: top 2 are 0 and 1, no hit
    assert result.users == 2
    assert result.recall == pytest.approx(0.25)
    assert result.ndcg == pytest.approx((1 / LOG3) / (1 + 1 / LOG3) / 2)


def test_ideal_dcg_counts_at_most_k_hits() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.6]])
    train = from_pairs([], n_users=1, n_items=4)
    test = from_pairs([(0, 0), (0, 1), (0, 2)], n_users=1, n_items=4)
    result = ranking_metrics(fixed(scores), train=train, test=test, k=2)
    assert result.recall == pytest.approx(2 / 3)
    assert result.ndcg == pytest.approx(1.0)


def test_a_test_item_seen_in_training_stays_relevant_but_cannot_be_hit() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.6]])
    train = from_pairs([(0, 0)], n_users=1, n_items=4)
    test = from_pairs([(0, 0), (0, 1)], n_users=1, n_items=4)
    result = ranking_metrics(fixed(scores), train=train, test=test, k=1)
    assert result.recall == pytest.approx(0.5)  # item 1 found, item 0 excluded
    assert result.ndcg == pytest.approx(1.0)  # min(2, k=1) ideal hits, one found at rank 1


def test_ties_go_to_the_smaller_item_id() -> None:
    scores = np.zeros((1, 6))
    assert top_k(scores, k=3).tolist() == [[0, 1, 2]]
    train = from_pairs([(0, 0)], n_users=1, n_items=6)
    hit = from_pairs([(0, 2)], n_users=1, n_items=6)
    miss = from_pairs([(0, 3)], n_users=1, n_items=6)
    assert ranking_metrics(fixed(scores), train=train, test=hit, k=2).ndcg == pytest.approx(1 / LOG3)
    assert ranking_metrics(fixed(scores), train=train, test=miss, k=2).recall == 0.0


def test_batches_give_the_same_result() -> None:
    rng = np.random.default_rng(1)
    scores = rng.random((50, 30))
    train = from_pairs([(u, int(i)) for u in range(50) for i in rng.choice(30, 3, replace=False)], n_items=30)
    test = from_pairs([(u, int(rng.integers(30))) for u in range(0, 50, 2)], n_users=50, n_items=30)
    whole = ranking_metrics(fixed(scores), train=train, test=test, k=5)
    batched = ranking_metrics(fixed(scores), train=train, test=test, k=5, batch_size=7)
    assert whole == batched
