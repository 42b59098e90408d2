"""Item-to-item neighbours: smoothed co-occurrence probabilities P(next item | one item seen).

A user who touched n items adds 1/n^USER_EXPONENT to each pair of them, so the few accounts
with hundreds of items do not drown the many with two or three (on the TikTok data 1% of the
users make 70% of the pairs). Each row is then a Dirichlet-smoothed distribution: an item seen
with others a lot trusts its co-occurrences, a rarely seen one leans on the popularity prior.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs


@dataclasses.dataclass(frozen=True, kw_only=True)
class Neighbours:
    weights: sp.csr_matrix
    """(items, items) float32: P(j | i) from co-occurrence, only the top-N of each row."""
    prior_share: np.ndarray
    """(items,) float32: the share of P(. | i) that goes to the popularity prior."""


def user_weighted_cooccurrence(interactions: sp.csr_matrix, *, user_exponent: float) -> sp.csr_matrix:
    """Σ over users of 1/deg(u)^exponent for every item pair both were seen by; diagonal removed."""
    binary = sp.csr_matrix(interactions, dtype=np.float64, copy=True)
    binary.data[:] = 1.0
    degree = np.asarray(binary.sum(axis=1)).ravel()
    scale = np.zeros_like(degree)
    scale[degree > 0] = degree[degree > 0] ** -user_exponent
    counts = sp.csr_matrix(binary.T @ sp.diags(scale) @ binary)
    counts = sp.csr_matrix(counts - sp.diags(counts.diagonal()))
    counts.eliminate_zeros()
    return counts


def keep_top(matrix: sp.csr_matrix, *, top_n: int) -> sp.csr_matrix:
    """Keep the top_n largest entries of each row (ties: smaller column id), as float32 CSR."""
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    rows, cols, vals = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        values = matrix.data[start:end]
        columns = matrix.indices[start:end]
        chosen = np.lexsort((columns, -values))[:top_n]
        rows.append(np.full(chosen.size, row, dtype=np.int64))
        cols.append(columns[chosen])
        vals.append(values[chosen])
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    result = sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                           shape=matrix.shape, dtype=np.float32)
    result.sort_indices()
    return result


def fit_neighbours(interactions: sp.csr_matrix, *, user_exponent: float, smoothing: float,
                   top_n: int) -> Neighbours:
    """P(j | i) = c_ij / (c_i + smoothing), the rest (smoothing / (c_i + smoothing)) to the prior."""
    counts = user_weighted_cooccurrence(interactions, user_exponent=user_exponent)
    totals = np.asarray(counts.sum(axis=1)).ravel()
    denominators = totals + smoothing
    weights = sp.csr_matrix(sp.diags(1.0 / denominators) @ counts)
    return Neighbours(weights=keep_top(weights, top_n=top_n),
                      prior_share=(smoothing / denominators).astype(np.float32))


def log_mixture(liked: sp.csr_matrix, neighbours: sp.csr_matrix, prior_share: np.ndarray,
                prior: np.ndarray) -> np.ndarray:
    """log of the neighbour mixture for each row of `liked` (non-negative weights): the
    weighted mean over the row's items of P(. | item), prior included; an empty row gets
    the prior. (rows, items) float32, floored at 1e-12 so an unseen pair is not -inf."""
    liked = sp.csr_matrix(liked, dtype=np.float32)
    totals = np.asarray(liked.sum(axis=1)).ravel()
    mixture = sp.csr_matrix(liked @ neighbours).toarray().astype(np.float32)
    mixture += np.outer(liked @ prior_share, prior).astype(np.float32)
    empty = totals <= 0
    mixture[~empty] /= totals[~empty, None]
    mixture[empty] = prior
    result: np.ndarray = np.log(np.maximum(mixture, np.float32(1e-12))).astype(np.float32)
    return result


@dataclasses.dataclass(frozen=True, kw_only=True)
class FoldNeighbours:
    """Neighbours fitted once per fold of users, each on every other fold's users.

    The embeddings learn what the neighbours miss (see embeddings.fit_embeddings' offset).
    If a user's own pairs were in the neighbours they learn from, those neighbours would
    already "know" the user's held-out targets and the embeddings would learn too little:
    in-sample neighbours scored lower on the TikTok validation split than out-of-fold ones."""
    fold_of_user: np.ndarray
    """(users,) int: the fold each user belongs to."""
    folds: tuple[tuple[Neighbours, np.ndarray], ...]
    """Per fold: the neighbours and popularity prior fitted without that fold's users."""

    def log_mixture(self, pooling: sp.csr_matrix, owners: np.ndarray) -> np.ndarray:
        """log neighbour mixture of each pooled input row, from its owner's out-of-fold model."""
        result = np.empty(pooling.shape, dtype=np.float32)
        folds = self.fold_of_user[owners]
        for fold, (neighbours, prior) in enumerate(self.folds):
            rows = np.flatnonzero(folds == fold)
            if rows.size:
                result[rows] = log_mixture(pooling[rows], neighbours.weights, neighbours.prior_share, prior)
        return result


def fit_fold_neighbours(interactions: sp.csr_matrix, *, folds: int, seed: int, user_exponent: float,
                        smoothing: float, top_n: int,
                        prior: Callable[[sp.csr_matrix], np.ndarray]) -> FoldNeighbours:
    """Split users into `folds` groups at random (by `seed`) and fit one model per group."""
    matrix = sp.csr_matrix(interactions)
    fold_of_user = np.random.default_rng(seed).integers(0, folds, matrix.shape[0])
    fitted = []
    for fold in range(folds):
        others = sp.csr_matrix(sp.diags((fold_of_user != fold).astype(np.float32)) @ matrix)
        others.eliminate_zeros()
        fitted.append((fit_neighbours(others, user_exponent=user_exponent, smoothing=smoothing, top_n=top_n),
                       prior(others)))
    return FoldNeighbours(fold_of_user=fold_of_user, folds=tuple(fitted))
