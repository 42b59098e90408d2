"""Full-ranking Recall@K and NDCG@K, the protocol of the published TikTok numbers.

Every item is ranked for every evaluated user; the user's training items are removed first;
ties are broken by the smaller item id so a run is reproducible to the last digit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

Scorer = Callable[[np.ndarray], np.ndarray]
"""Scores of all items for a batch of user ids: (len(users), n_items)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RankingMetrics:
    recall: float
    ndcg: float
    users: int
    k: int


def top_k(scores: np.ndarray, *, k: int) -> np.ndarray:
    """The k best item ids of each row, best first, ties going to the smaller id."""
    order = np.argsort(-scores, axis=1, kind="stable")
    return order[:, :k]


def ranking_metrics(scorer: Scorer, *, train: sp.csr_matrix, test: sp.csr_matrix, k: int,
                    batch_size: int = 1024) -> RankingMetrics:
    """Recall@k and NDCG@k (binary gains) averaged over the users with a test item.

    Recall divides the hits by the user's number of relevant items; the ideal DCG counts
    min(relevant, k) hits. A test item that is also a training item stays relevant but can
    never be recommended, as in the published protocol."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if train.shape != test.shape:
        raise ValueError(f"train {train.shape} and test {test.shape} matrices differ in shape")
    train = sp.csr_matrix(train)
    test = sp.csr_matrix(test)
    counts = np.diff(test.indptr)
    users = np.flatnonzero(counts)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(discount)])
    recall_sum = 0.0
    ndcg_sum = 0.0
    for start in range(0, users.size, batch_size):
        batch = users[start:start + batch_size]
        scores = np.array(scorer(batch), dtype=np.float64)
        if scores.shape != (batch.size, train.shape[1]):
            raise ValueError(f"scorer returned shape {scores.shape}, expected {(batch.size, train.shape[1])}")
        scores[np.isnan(scores)] = -np.inf
        seen = train[batch]
        scores[seen.nonzero()] = -np.inf
        top = top_k(scores, k=k)
        relevant = test[batch].toarray() > 0
        hits = np.take_along_axis(relevant, top, axis=1) & np.isfinite(np.take_along_axis(scores, top, axis=1))
        n_relevant = counts[batch]
        recall_sum += float((hits.sum(axis=1) / n_relevant).sum())
        dcg = (hits * discount[: top.shape[1]]).sum(axis=1)
        ndcg_sum += float((dcg / ideal[np.minimum(n_relevant, k)]).sum())
    n = max(users.size, 1)
    return RankingMetrics(recall=recall_sum / n, ndcg=ndcg_sum / n, users=int(users.size), k=k)
