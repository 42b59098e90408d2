"""The trained artifact: what the feed loads to rank items, and what `recs eval` measures.

Scores are (unnormalised) log-probabilities of "the item this viewer picks next", a product of two experts:

- neighbours: P(j | each recent item) from smoothed co-occurrence (sparse top-N per item) plus
  a popularity prior for the share an item's co-occurrences cannot explain, averaged over the
  recent items;
- embeddings: a softmax over all items given the mean query vector of the recent items.

score = log neighbours + w · log embeddings, w = `embedding_weight` (0: neighbours only).
Several embedding models are stored side by side (their vectors concatenated, so their logits
add up); the default trains four and sets w = 1/4, which adds their mean logit.
The product beat the mixture on the TikTok validation split: an item must look right to both.
Signals carry weights: a like may count 2, a completed watch 1, a skip 0.2; a negative weight
("not interested") removes the item, pushes the viewer's vector away from it, and lowers its
neighbours by up to `dislike_strength` nats. All of it is a few sparse rows and an
(items, d) product, so one viewer is scored in about 2 ms (6,710 items, d = 256) with no retraining.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no stubs

from havre.recs.neighbours import log_mixture

FORMAT = "havre.recs.ItemModel/1"


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class ItemModel:
    neighbours: sp.csr_matrix
    """(items, items) float32, P(j | i) restricted to each item's top-N."""
    prior_share: np.ndarray
    """(items,) float32: the part of P(. | i) that goes to `prior`."""
    prior: np.ndarray
    """(items,) float32 popularity distribution (sums to 1)."""
    query: np.ndarray
    """(items, d) float32; d = 0 for a neighbours-only model."""
    target: np.ndarray
    bias: np.ndarray
    embedding_weight: float
    dislike_strength: float = 3.0
    info: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Variant name, hyper-parameters, training data size: shown by `recs eval`, saved with the model."""
    item_ids: tuple[str, ...] = ()
    """The product's id (a video id) of each item index, when the model was trained from the live
    store; empty for a dataset whose ids are the indices."""

    def __post_init__(self) -> None:
        n = self.prior.shape[0]
        if self.neighbours.shape != (n, n) or self.prior_share.shape != (n,) or self.bias.shape != (n,):
            raise ValueError("inconsistent item counts in the model")
        if self.query.shape != self.target.shape or self.query.shape[0] != n:
            raise ValueError("query and target embeddings must both be (items, d)")
        if self.item_ids and len(self.item_ids) != n:
            raise ValueError(f"{len(self.item_ids)} item ids for {n} items")
        if self.embedding_weight < 0 or self.dislike_strength < 0:
            raise ValueError("embedding_weight and dislike_strength must not be negative")

    @property
    def n_items(self) -> int:
        return int(self.prior.shape[0])

    def neighbours_of(self, item: int, *, n: int = 50) -> list[tuple[int, float]]:
        """The item's strongest neighbours, best first, weights relative to the best one (0..1]."""
        start, end = self.neighbours.indptr[item], self.neighbours.indptr[item + 1]
        columns = self.neighbours.indices[start:end]
        values = self.neighbours.data[start:end]
        order = np.lexsort((columns, -values))[:n]
        best = float(values[order[0]]) if order.size else 1.0
        return [(int(columns[i]), float(values[i]) / best) for i in order]

    def score_users(self, history: sp.csr_matrix) -> np.ndarray:
        """Scores (float32, higher is better) of all items for each row of a weighted history.

        `history` is (viewers, items); entries are signal weights, negative for dislikes.
        Items in the history are not excluded here (evaluation and the feed do that)."""
        history = sp.csr_matrix(history, dtype=np.float32)
        if history.shape[1] != self.n_items:
            raise ValueError(f"history has {history.shape[1]} items, the model {self.n_items}")
        liked = history.maximum(0).tocsr()
        disliked = (-history).maximum(0).tocsr()
        scores = log_mixture(liked, self.neighbours, self.prior_share, self.prior)
        if self.embedding_weight > 0 and self.query.shape[1] > 0:
            absolute = np.asarray(abs(history).sum(axis=1)).ravel()
            state = np.asarray((liked - disliked) @ self.query) / np.where(absolute > 0, absolute, 1.0)[:, None]
            logits = state.astype(np.float32) @ self.target.T + self.bias
            logits -= logits.max(axis=1, keepdims=True)
            logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
            scores += np.float32(self.embedding_weight) * logits
        if disliked.nnz:
            rows_used = np.unique(disliked.indices)  # only the disliked items' rows, relative to their best
            scale = np.zeros(self.n_items, dtype=np.float32)
            maxima = self.neighbours[rows_used].max(axis=1).toarray().ravel()
            scale[rows_used] = np.where(maxima > 0, 1.0 / np.where(maxima > 0, maxima, 1.0), 0.0)
            penalty = sp.csr_matrix(disliked @ sp.diags(scale) @ self.neighbours).toarray()
            scores -= (self.dislike_strength * np.minimum(penalty, 1.0)).astype(np.float32)
            rows, cols = disliked.nonzero()
            scores[rows, cols] = -np.inf
        return scores

    def score_viewer(self, recent: Sequence[int], weights: Sequence[float] | None = None) -> np.ndarray:
        """Scores of all items for one viewer from recent item ids and their signal weights.

        Weights default to 1; a repeated item adds up. Disliked items score -inf."""
        items = np.asarray(recent, dtype=np.int64)
        values = np.ones(items.size, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        if values.shape != items.shape:
            raise ValueError("recent items and weights differ in length")
        if items.size and (items.min() < 0 or items.max() >= self.n_items):
            raise ValueError(f"item ids must lie in [0, {self.n_items})")
        row = sp.csr_matrix((values, (np.zeros(items.size, dtype=np.int64), items)), shape=(1, self.n_items))
        scores: np.ndarray = self.score_users(row)[0]
        return scores

    def save(self, path: Path) -> None:
        """Write one .npz (no pickled objects) next to `path`, then rename it into place."""
        path = Path(path)
        arrays = {
            "format": np.array(FORMAT),
            "info": np.array(json.dumps(self.info, sort_keys=True)),
            "neighbours_data": self.neighbours.data.astype(np.float32),
            "neighbours_indices": self.neighbours.indices.astype(np.int32),
            "neighbours_indptr": self.neighbours.indptr.astype(np.int64),
            "prior_share": self.prior_share.astype(np.float32),
            "prior": self.prior.astype(np.float32),
            "query": self.query.astype(np.float32),
            "target": self.target.astype(np.float32),
            "bias": self.bias.astype(np.float32),
            "item_ids": np.array(self.item_ids, dtype=np.str_),
            "blend": np.array([self.embedding_weight, self.dislike_strength], dtype=np.float64),
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> ItemModel:
        """Read a model written by `save`; refuses other files with a ValueError."""
        try:
            data = np.load(Path(path), allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a readable model file: {exc}") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: not a {FORMAT} file")
        with data:
            if "format" not in data.files or str(data["format"]) != FORMAT:
                raise ValueError(f"{path}: not a {FORMAT} file")
            try:
                n = data["prior"].shape[0]
                neighbours = sp.csr_matrix(
                    (data["neighbours_data"], data["neighbours_indices"], data["neighbours_indptr"]), shape=(n, n))
                blend = data["blend"]
                return cls(neighbours=neighbours, prior_share=data["prior_share"], prior=data["prior"],
                           query=data["query"], target=data["target"], bias=data["bias"],
                           embedding_weight=float(blend[0]), dislike_strength=float(blend[1]),
                           info=json.loads(str(data["info"])),
                           item_ids=tuple(str(i) for i in data["item_ids"]))
            except (KeyError, ValueError, IndexError, zipfile.BadZipFile) as exc:
                raise ValueError(f"{path}: damaged model file: {exc}") from None
