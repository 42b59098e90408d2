"""k-anonymity for item-pair statistics that may leave a region.

A neighbour weight between two items says "someone watched both". Before such weights are
shared outside the region whose users produced them, pairs seen by fewer than k distinct
users are dropped, so no published pair points at a handful of people.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

from havre.recs.model import ItemModel


def cooccurrence_support(interactions: sp.csr_matrix) -> sp.csr_matrix:
    """(items, items) int64: how many distinct users interacted with both items."""
    binary = sp.csr_matrix(interactions, dtype=np.int64, copy=True)
    binary.sum_duplicates()
    binary.data[:] = 1
    return sp.csr_matrix(binary.T @ binary)


def prune_rare_pairs(weights: sp.csr_matrix, *, support: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """`weights` with every entry whose pair is supported by fewer than k users removed."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if weights.shape != support.shape:
        raise ValueError(f"weights {weights.shape} and support {support.shape} differ in shape")
    pruned = sp.csr_matrix(weights, copy=True)
    rows = np.repeat(np.arange(pruned.shape[0]), np.diff(pruned.indptr))
    counts = np.asarray(sp.csr_matrix(support)[rows, pruned.indices]).ravel()
    pruned.data[counts < k] = 0
    pruned.eliminate_zeros()
    return pruned


def k_anonymous(model: ItemModel, *, interactions: sp.csr_matrix, k: int) -> ItemModel:
    """The model with its neighbour pairs pruned to those at least k distinct users support.

    The embeddings are left as they are: they are aggregates over every user, not pair counts."""
    weights = prune_rare_pairs(model.neighbours, support=cooccurrence_support(interactions), k=k)
    return dataclasses.replace(model, neighbours=weights, info={**model.info, "k_anonymity": k})


def shareable(model: ItemModel, *, interactions: sp.csr_matrix, k: int) -> ItemModel:
    """What of ``model`` may leave its region: the k-anonymous neighbour pairs only, over the items
    that keep at least one pair (an item no pair names is not listed), with no embeddings and a
    flat prior (each viewer's vector and the region's popularity stay home)."""
    pruned = k_anonymous(model, interactions=interactions, k=k).neighbours
    kept = np.union1d(np.flatnonzero(np.diff(pruned.indptr) > 0), pruned.indices)
    neighbours = sp.csr_matrix(pruned[kept][:, kept], dtype=np.float32)
    n = kept.size
    ids = tuple(model.item_ids[i] for i in kept) if model.item_ids else tuple(str(i) for i in kept)
    return ItemModel(neighbours=neighbours, prior_share=np.zeros(n, dtype=np.float32),
                     prior=np.full(n, 1.0 / max(n, 1), dtype=np.float32),
                     query=np.zeros((n, 0), dtype=np.float32), target=np.zeros((n, 0), dtype=np.float32),
                     bias=np.zeros(n, dtype=np.float32), embedding_weight=0.0, item_ids=ids,
                     info={"variant": "shared neighbours", "k_anonymity": k, "items": n, "pairs": int(neighbours.nnz)})
