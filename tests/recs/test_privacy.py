from __future__ import annotations

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from havre.recs.interactions import from_pairs
from havre.recs.privacy import cooccurrence_support, k_anonymous, prune_rare_pairs
from havre.recs.train import train

K = 3


def interactions() -> sp.csr_matrix:
    pairs = []
    for user in range(K - 1):  # items 0 and 1: seen together by k-1 users
        pairs += [(user, 0), (user, 1)]
    for user in range(10, 10 + K):  # items 2 and 3: by k users
        pairs += [(user, 2), (user, 3)]
    pairs += [(20, 0), (20, 0)]  # one user twice with the same item counts once
    return from_pairs(pairs, n_items=4)


def test_support_counts_distinct_users() -> None:
    support = cooccurrence_support(interactions()).toarray()
    assert support[0, 1] == K - 1 and support[2, 3] == K and support[0, 2] == 0
    assert support[0, 0] == K  # users 0, 1 and 20


def test_pruning_removes_pairs_below_k_and_keeps_pairs_at_k() -> None:
    weights = sp.csr_matrix(np.array([[0, 0.5, 0, 0], [0.5, 0, 0, 0], [0, 0, 0, 0.7], [0, 0, 0.7, 0]]))
    pruned = prune_rare_pairs(weights, support=cooccurrence_support(interactions()), k=K).toarray()
    assert pruned[0, 1] == 0 and pruned[1, 0] == 0
    assert pruned[2, 3] == 0.7 and pruned[3, 2] == 0.7


def test_a_k_anonymous_model_keeps_only_supported_neighbours() -> None:
    matrix = interactions()
    model = train(matrix, seed=0, embeddings=False)
    assert model.neighbours[0, 1] > 0
    safe = k_anonymous(model, interactions=matrix, k=K)
    assert safe.neighbours[0, 1] == 0 and safe.neighbours[2, 3] > 0
    assert safe.info["k_anonymity"] == K
