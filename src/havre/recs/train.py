"""Train the default recommender: the variant that scored best on the TikTok validation split.

See bench/recs.md for the table these constants come from. Training is deterministic for a
seed (and a BLAS thread count) and takes about 75 s on two cores for 60k interactions.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

from havre.recs.embeddings import EmbeddingConfig, Embeddings, Offset, fit_embeddings, normalise_features
from havre.recs.model import ItemModel
from havre.recs.neighbours import fit_fold_neighbours, fit_neighbours

VARIANT = "neighbours x embeddings"
USER_EXPONENT = 1.0
"""A user with n items adds 1/n to each pair: heavy accounts count as one taste, not hundreds."""
SMOOTHING = 45.0
"""Pseudo-counts of the popularity prior in P(j | i); 20 and 100 were both worse on valid."""
TOP_N = 200
"""Neighbours kept per item; the feed only needs the head of each row."""
PRIOR_PSEUDOCOUNT = 0.0
"""Added to each item's count in the popularity prior (0: never-seen items rely on embeddings)."""
EMBEDDING_MODELS = 4
"""Embedding models trained from different seeds; the score adds their mean logit to log
neighbours. Recall@20 on valid (mean of seeds 0-2): two models 0.1119, four 0.1132, eight
0.1131 (twice the time). Each costs about 19 s here."""
OFFSET_WEIGHT = 0.5
"""Each embedding model trains around OFFSET_WEIGHT · log neighbours held fixed in its softmax,
so its vectors learn what co-occurrence misses instead of relearning it. Recall@20 on valid:
0 (trained alone, the default until 4 Dec) 0.1103, 0.25 0.1100, 0.5 0.1132; 1.0 0.1082 (seed 0)."""
FOLDS = 5
"""The offset of a user's examples comes from neighbours fitted on the other folds' users."""
FOLD_SEED = 123
"""The user split is the same for every seed, as in the runs of bench/recs.md."""
EMBEDDINGS = EmbeddingConfig(dimensions=64, epochs=12, learning_rate=3e-3, l2=1e-4, targets_per_user=30,
                             max_inputs=3, batch_size=512, decay=False)
"""Without learning-rate decay the feature-projected model overfitted less on valid (0.0436 vs 0.0403)."""
NEIGHBOURS_SHARE = 0.05
"""Progress fraction for the co-occurrence part; the embedding epochs take the rest."""


def popularity_prior(interactions: sp.csr_matrix, *, pseudocount: float = PRIOR_PSEUDOCOUNT) -> np.ndarray:
    counts: np.ndarray = np.asarray((interactions > 0).sum(axis=0), dtype=np.float64).ravel() + pseudocount
    total = counts.sum()
    if total <= 0:
        return np.full(counts.size, 1.0 / max(counts.size, 1), dtype=np.float32)
    prior: np.ndarray = (counts / total).astype(np.float32)
    return prior


def fit_embedding_models(matrix: sp.csr_matrix, *, features: np.ndarray | None, seed: int,
                         progress: Callable[[float], None], models: int = EMBEDDING_MODELS,
                         offset_weight: float = OFFSET_WEIGHT) -> list[Embeddings]:
    """`models` embedding models, each trained around out-of-fold neighbour scores (none when
    `offset_weight` is 0)."""
    offset: Offset | None = None
    if offset_weight > 0:
        folds = fit_fold_neighbours(matrix, folds=FOLDS, seed=FOLD_SEED, user_exponent=USER_EXPONENT,
                                    smoothing=SMOOTHING, top_n=TOP_N, prior=popularity_prior)

        def offset(pooling: sp.csr_matrix, owners: np.ndarray) -> np.ndarray:
            scaled: np.ndarray = np.float32(offset_weight) * folds.log_mixture(pooling, owners)
            return scaled

    parts = []
    for index, part_seed in enumerate(np.random.SeedSequence(seed).generate_state(models)):
        parts.append(fit_embeddings(matrix, config=EMBEDDINGS, seed=int(part_seed), features=features, offset=offset,
                                    progress=_within(progress, start=index / models, span=1 / models)))
    return parts


def _within(report: Callable[[float], None], *, start: float, span: float) -> Callable[[float], None]:
    return lambda fraction: report(start + span * fraction)


def train(interactions: sp.csr_matrix, *, item_features: list[np.ndarray] | None = None, seed: int = 0,
          progress: Callable[[float], None] | None = None, embeddings: bool = True,
          offset_weight: float = OFFSET_WEIGHT) -> ItemModel:
    """Fit the default model on a (users, items) interaction matrix.

    `item_features` are (items, d) arrays (image, audio, ...), used by the embeddings so items
    nobody has touched yet are placed by how they look and sound. `progress` gets 0..1.
    `embeddings=False` trains the neighbours-only variant (seconds instead of a minute or more);
    `offset_weight=0` trains the embeddings on their own, as the default did before 4 Dec."""
    started = time.perf_counter()
    report = progress if progress is not None else (lambda fraction: None)
    report(0.0)
    matrix = sp.csr_matrix(interactions, dtype=np.float32)
    n_items = matrix.shape[1]
    neighbours = fit_neighbours(matrix, user_exponent=USER_EXPONENT, smoothing=SMOOTHING, top_n=TOP_N)
    report(NEIGHBOURS_SHARE if embeddings else 1.0)
    features = normalise_features(item_features, n_items=n_items) if item_features else None
    info: dict[str, object] = {
        "variant": VARIANT if embeddings else "neighbours", "seed": seed, "users": matrix.shape[0],
        "items": n_items, "interactions": int(matrix.nnz), "user_exponent": USER_EXPONENT,
        "smoothing": SMOOTHING, "top_n": TOP_N, "features": 0 if features is None else int(features.shape[1]),
    }
    if embeddings:
        parts = fit_embedding_models(matrix, features=features, seed=seed, offset_weight=offset_weight,
                                     progress=_within(report, start=NEIGHBOURS_SHARE, span=1 - NEIGHBOURS_SHARE))
        query = np.hstack([part.query for part in parts])
        target = np.hstack([part.target for part in parts])
        bias = np.sum([part.bias for part in parts], axis=0).astype(np.float32)
        weight = 1.0 / len(parts)  # log-softmax of the summed logits, scaled: the mean logit, up to a constant
        info.update(dimensions=EMBEDDINGS.dimensions, epochs=EMBEDDINGS.epochs, embedding_models=len(parts),
                    embedding_weight=weight, offset_weight=offset_weight,
                    folds=FOLDS if offset_weight > 0 else 0)
    else:
        query = target = np.zeros((n_items, 0), dtype=np.float32)
        bias = np.zeros(n_items, dtype=np.float32)
        weight = 0.0
    info["train_seconds"] = round(time.perf_counter() - started, 3)
    return ItemModel(neighbours=neighbours.weights, prior_share=neighbours.prior_share,
                     prior=popularity_prior(matrix), query=query, target=target, bias=bias,
                     embedding_weight=weight, info=info)
