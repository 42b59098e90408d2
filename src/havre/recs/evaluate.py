"""Offline evaluation: train on one split, measure full-ranking Recall@K / NDCG@K on another."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

from havre.recs.interactions import InteractionsError, matrix_from_ids, read_pairs
from havre.recs.metrics import ranking_metrics
from havre.recs.model import ItemModel
from havre.recs.train import train


def load_features(path: Path, *, n_items: int | None = None) -> np.ndarray:
    """An (items, d) numeric .npy array (never unpickled); a clear ValueError otherwise."""
    try:
        array = np.load(Path(path), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path}: not a readable .npy array: {exc}") from None
    if not isinstance(array, np.ndarray) or array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{path}: expected a 2-D numeric array, got shape {getattr(array, 'shape', None)}")
    if n_items is not None and array.shape[0] != n_items:
        raise ValueError(f"{path}: has {array.shape[0]} rows, the interactions have {n_items} items")
    if not np.isfinite(array).all():
        raise ValueError(f"{path}: contains NaN or infinite values")
    return array


def scorer_for(model: ItemModel, history: sp.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """Batch scorer for `ranking_metrics`: each user's training items are the model's input."""
    return lambda users: model.score_users(history[users])


def evaluate(train_csv: Path | Sequence[Path], test_csv: Path, *, item_features: Sequence[Path] = (), k: int = 20,
             seed: int = 0, progress: Callable[[float], None] | None = None,
             trainer: Callable[..., ItemModel] = train) -> dict[str, Any]:
    """Train on `train_csv` (one file, or several joined), report Recall@k and NDCG@k over the
    users of `test_csv`.

    All files and the features must describe the same items; the matrices take the largest
    id range of the files (and the features' row count) so ids line up."""
    train_files = [Path(train_csv)] if isinstance(train_csv, (str, Path)) else [Path(f) for f in train_csv]
    if not train_files:
        raise InteractionsError("no training file given")
    parts = [read_pairs(path) for path in train_files]
    for path, pairs in zip(train_files, parts, strict=True):
        if not len(pairs):
            raise InteractionsError(f"{path}: no interactions")
    train_pairs = np.concatenate(parts)
    test_pairs = read_pairs(Path(test_csv))
    features = [load_features(path) for path in item_features]
    stacked = np.concatenate([train_pairs, test_pairs])
    n_users = int(stacked[:, 0].max()) + 1
    n_items = int(stacked[:, 1].max()) + 1
    if features:
        rows = {block.shape[0] for block in features}
        if len(rows) != 1:
            raise ValueError("item feature files have different row counts")
        n_items_features = rows.pop()
        if n_items_features < n_items:
            raise ValueError(f"item features have {n_items_features} rows, the interactions use {n_items} items")
        n_items = n_items_features
    train_matrix = matrix_from_ids(train_pairs[:, 0], train_pairs[:, 1], n_users=n_users, n_items=n_items)
    test_matrix = matrix_from_ids(test_pairs[:, 0], test_pairs[:, 1], n_users=n_users, n_items=n_items)
    started = time.perf_counter()
    model = trainer(train_matrix, item_features=features or None, seed=seed, progress=progress)
    train_seconds = time.perf_counter() - started
    metrics = ranking_metrics(scorer_for(model, train_matrix), train=train_matrix, test=test_matrix, k=k)
    return {"recall": metrics.recall, "ndcg": metrics.ndcg, "k": k, "users": metrics.users,
            "train_seconds": round(train_seconds, 3), "model": model.info.get("variant", ""),
            "items": n_items, "train_interactions": int(train_matrix.nnz), "seed": seed}
