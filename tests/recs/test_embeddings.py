"""The parts the default model is built from: the neighbour mixture, out-of-fold neighbours, and
embeddings trained around an offset."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]

from havre.recs.embeddings import EmbeddingConfig, Embeddings, fit_embeddings
from havre.recs.interactions import from_pairs
from havre.recs.neighbours import fit_fold_neighbours, fit_neighbours, log_mixture
from havre.recs.train import popularity_prior
from tests.recs.synthetic import two_cluster_matrix

SMALL = EmbeddingConfig(dimensions=8, epochs=6, learning_rate=1e-2, batch_size=64)


def test_log_mixture_by_hand() -> None:
    # P(. | 0) = (0, 0.5, 0) with 0.5 left to the prior; P(. | 1) = (0.25, 0, 0.25), 0.5 to the prior.
    neighbours = sp.csr_matrix(np.array([[0, 0.5, 0], [0.25, 0, 0.25], [0, 0, 0]], dtype=np.float32))
    prior_share = np.array([0.5, 0.5, 1.0], dtype=np.float32)
    prior = np.array([0.5, 0.25, 0.25], dtype=np.float32)
    liked = sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 0], [3, 0, 0]], dtype=np.float32))
    scores = log_mixture(liked, neighbours, prior_share, prior)
    # Row 0, the mean of both rows: ((0 + 0.25) + 0.5·0.5 + 0.5·0.5, (0.5 + 0) + 0.25·0.5·2, ...) / 2.
    # Row 1 is empty: the prior. Row 2 weighs item 0 three times, which a mean undoes.
    expected = np.log(np.array([[0.375, 0.375, 0.25], [0.5, 0.25, 0.25], [0.25, 0.625, 0.125]]))
    assert np.allclose(scores, expected, atol=1e-6)


def test_log_mixture_floors_an_impossible_item_instead_of_minus_infinity() -> None:
    neighbours = sp.csr_matrix(np.array([[0, 1.0], [1.0, 0]], dtype=np.float32))
    scores = log_mixture(sp.csr_matrix(np.array([[1.0, 0]], dtype=np.float32)), neighbours,
                         np.zeros(2, dtype=np.float32), np.array([1.0, 0], dtype=np.float32))
    assert np.isfinite(scores).all() and scores[0, 0] == pytest.approx(np.log(1e-12), rel=1e-4)


def test_each_fold_learns_nothing_from_its_own_users() -> None:
    # Items 0 and 1 are seen together by user 0 only; items 2 and 3 by everyone.
    pairs = [(0, 0), (0, 1)] + [(user, item) for user in range(40) for item in (2, 3)]
    matrix = from_pairs(pairs, n_items=4)
    folds = fit_fold_neighbours(matrix, folds=5, seed=3, user_exponent=1.0, smoothing=1.0, top_n=10,
                                prior=popularity_prior)
    own_fold = int(folds.fold_of_user[0])
    own, _ = folds.folds[own_fold]
    assert own.weights[0, 1] == 0 and own.weights[2, 3] > 0
    others = [neighbours for fold, (neighbours, _) in enumerate(folds.folds) if fold != own_fold]
    assert all(neighbours.weights[0, 1] > 0 for neighbours in others)
    # The offset of user 0's examples comes from that fold: item 1 after item 0 looks unlikely.
    pooled = sp.csr_matrix(np.array([[1.0, 0, 0, 0]], dtype=np.float32))
    inside = folds.log_mixture(pooled, np.array([0]))
    outside_user = int(np.flatnonzero(folds.fold_of_user != own_fold)[0])
    outside = folds.log_mixture(pooled, np.array([outside_user]))
    assert inside[0, 1] < outside[0, 1]


def test_fold_neighbours_are_the_full_model_minus_the_fold() -> None:
    matrix = two_cluster_matrix(users=60)
    folds = fit_fold_neighbours(matrix, folds=3, seed=0, user_exponent=1.0, smoothing=45.0, top_n=200,
                                prior=popularity_prior)
    rest = sp.csr_matrix(sp.diags((folds.fold_of_user != 1).astype(np.float32)) @ matrix)
    direct = fit_neighbours(rest, user_exponent=1.0, smoothing=45.0, top_n=200)
    neighbours, prior = folds.folds[1]
    assert abs(neighbours.weights - direct.weights).max() < 1e-7
    assert np.allclose(prior, popularity_prior(rest))


def test_embeddings_learn_what_the_offset_gets_wrong() -> None:
    # An offset that overrates item 0 by 5 nats for everyone: the bias must learn to take it back.
    matrix = two_cluster_matrix(users=80)

    def overrate_first(pooling: sp.csr_matrix, owners: np.ndarray) -> np.ndarray:
        logits = np.zeros(pooling.shape, dtype=np.float32)
        logits[:, 0] = 5.0
        return logits

    config = EmbeddingConfig(dimensions=8, epochs=20, learning_rate=5e-2, batch_size=64)  # Adam moves ≤ rate a step
    plain = fit_embeddings(matrix, config=config, seed=0)
    around = fit_embeddings(matrix, config=config, seed=0, offset=overrate_first)

    def share_of_first(embeddings: Embeddings) -> float:
        """Mean predicted P(item 0 next), offset included, over each user's whole history."""
        history = sp.csr_matrix(matrix, dtype=np.float32)
        sizes = np.maximum(np.asarray(history.sum(axis=1)).ravel(), 1.0)
        logits = np.asarray(history @ embeddings.query) / sizes[:, None] @ embeddings.target.T + embeddings.bias
        logits += overrate_first(history, np.arange(history.shape[0]))
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        return float((probabilities[:, 0] / probabilities.sum(axis=1)).mean())

    assert share_of_first(plain) > 0.3  # the offset alone would put item 0 first for many
    assert share_of_first(around) < 0.05  # item 0 is 1 of 20 items for half the users


def test_an_offset_is_called_with_each_example_owner() -> None:
    matrix = from_pairs([(0, 0), (0, 1), (2, 2), (2, 3), (2, 4)], n_items=5)
    seen: set[int] = set()

    def record(pooling: sp.csr_matrix, owners: np.ndarray) -> np.ndarray:
        assert pooling.shape == (owners.size, 5)
        for row, owner in enumerate(owners):
            inputs = set(pooling[row].indices.tolist())
            assert inputs <= set(matrix[owner].indices.tolist())  # inputs come from the owner's items
        seen.update(int(owner) for owner in owners)
        return np.zeros(pooling.shape, dtype=np.float32)

    fit_embeddings(matrix, config=SMALL, seed=0, offset=record)
    assert seen == {0, 2}  # user 1 has no items and trains nothing
