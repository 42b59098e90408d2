"""How good is the For You model offline: Recall@20 / NDCG@20 on the TikTok validation split.

    .venv/bin/python bench/recs_eval.py [--data ../shared/datasets/tiktok-mm] [--k 20] [--seeds 3]

Trains every model on train.csv and ranks all items for each valid.csv user (training items
removed), in one run on this machine, so the rows compare fairly: item popularity, the
published-style baselines reimplemented here (ItemKNN, RP3beta, EASE with λ tuned on valid),
and the variants of `havre.recs` (neighbours only, embeddings only, with and without item
features, and the default `train`). Prints a Markdown table; bench/recs.md keeps one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from havre.recs.blas import limit_threads  # noqa: E402

THREADS = limit_threads()  # before numpy is imported

import numpy as np  # noqa: E402
import scipy.sparse as sp  # type: ignore[import-untyped]  # noqa: E402

from havre.recs import train as train_module  # noqa: E402
from havre.recs.evaluate import load_features, scorer_for  # noqa: E402
from havre.recs.interactions import matrix_from_ids, read_pairs  # noqa: E402
from havre.recs.metrics import RankingMetrics, Scorer, ranking_metrics  # noqa: E402
from havre.recs.model import ItemModel  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tiktok-mm"


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    metrics: RankingMetrics
    seconds: float


def popularity(train: sp.csr_matrix) -> Scorer:
    counts = np.asarray(train.sum(axis=0), dtype=np.float64).ravel()
    return lambda users: np.tile(counts, (users.size, 1))


def item_item(train: sp.csr_matrix, weights: np.ndarray) -> Scorer:
    return lambda users: np.asarray(train[users] @ weights)


def item_knn(train: sp.csr_matrix, *, neighbours: int, shrink: float) -> Scorer:
    """Cosine item-item similarity with shrinkage, top-`neighbours` per item."""
    gram = (train.T @ train).toarray().astype(np.float64)
    norms = np.sqrt(np.diag(gram))
    similarity = gram / (np.outer(norms, norms) + shrink + 1e-12)
    np.fill_diagonal(similarity, 0.0)
    drop = np.argpartition(-similarity, neighbours, axis=1)[:, neighbours:]
    np.put_along_axis(similarity, drop, 0.0, axis=1)
    return item_item(train, similarity)


def rp3beta(train: sp.csr_matrix, *, alpha: float, beta: float) -> Scorer:
    """P(i→u→j)^alpha / popularity(j)^beta (Paudel et al. 2017), dense for 6.7k items."""
    user_degree = np.maximum(np.asarray(train.sum(axis=1)).ravel(), 1)
    item_degree = np.maximum(np.asarray(train.sum(axis=0)).ravel(), 1)
    walk = (sp.diags(1 / item_degree) @ train.T @ sp.diags(1 / user_degree) @ train).toarray()
    weights = walk ** alpha / item_degree[None, :] ** beta
    np.fill_diagonal(weights, 0.0)
    return item_item(train, weights)


def ease(train: sp.csr_matrix, *, lam: float) -> Scorer:
    """EASE (Steck 2019): B = I - P diag(1/diag P), P = (XᵀX + λI)⁻¹."""
    gram = (train.T @ train).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += lam
    inverse = np.linalg.inv(gram)
    weights = inverse / -np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return item_item(train, weights)


def embeddings_only(model: ItemModel) -> ItemModel:
    """The same model with the neighbour expert switched off (a constant log term)."""
    n = model.n_items
    return dataclasses.replace(model, neighbours=sp.csr_matrix((n, n), dtype=np.float32),
                               prior_share=np.ones(n, dtype=np.float32),
                               prior=np.full(n, 1.0 / n, dtype=np.float32), embedding_weight=1.0)


def blend_of_2_december(model: ItemModel) -> ItemModel:
    """Embeddings trained alone weigh as in the 2 Dec default: log neighbours + the sum of two
    models' logits, i.e. twice the mean logit (the default with offsets adds the mean once)."""
    return dataclasses.replace(model, embedding_weight=2.0 * model.embedding_weight)


def measure(name: str, build: Callable[[], Scorer], *, train: sp.csr_matrix, test: sp.csr_matrix, k: int) -> Row:
    started = time.perf_counter()
    scorer = build()
    seconds = time.perf_counter() - started
    row = Row(name, ranking_metrics(scorer, train=train, test=test, k=k), seconds)
    print(f"  {name}: {row.metrics.recall:.4f} / {row.metrics.ndcg:.4f} ({seconds:.1f} s)", file=sys.stderr, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the default model (mean and spread)")
    parser.add_argument("--quick", action="store_true", help="skip the slower baselines (EASE grid, ItemKNN)")
    args = parser.parse_args()
    train_pairs = read_pairs(args.data / "train.csv")
    valid_pairs = read_pairs(args.data / "valid.csv")
    features = [load_features(args.data / "image_feat.npy"), load_features(args.data / "audio_feat.npy")]
    n_items = features[0].shape[0]
    n_users = int(max(train_pairs[:, 0].max(), valid_pairs[:, 0].max())) + 1
    train = matrix_from_ids(train_pairs[:, 0], train_pairs[:, 1], n_users=n_users, n_items=n_items)
    valid = matrix_from_ids(valid_pairs[:, 0], valid_pairs[:, 1], n_users=n_users, n_items=n_items)
    binary = sp.csr_matrix(train, dtype=np.float64)
    k = args.k
    rows: list[Row] = []

    def run(name: str, build: Callable[[], Scorer]) -> None:
        rows.append(measure(name, build, train=train, test=valid, k=k))

    def model_run(name: str, fit: Callable[[], ItemModel],
                  wrap: Callable[[ItemModel], ItemModel] = lambda m: m) -> None:
        run(name, lambda: scorer_for(wrap(fit()), train))

    run("item popularity", lambda: popularity(binary))
    if not args.quick:
        run("ItemKNN cosine (k=100, shrink 10)", lambda: item_knn(binary, neighbours=100, shrink=10.0))
    for alpha, beta in ((0.5, 0.0), (1.0, 0.0), (1.0, 0.2)):
        run(f"RP3beta (α={alpha}, β={beta})", lambda a=alpha, b=beta: rp3beta(binary, alpha=a, beta=b))  # type: ignore[misc]
    for lam in ((30.0,) if args.quick else (10.0, 30.0, 100.0, 300.0)):
        run(f"EASE (λ={lam:g})", lambda lam=lam: ease(binary, lam=lam))  # type: ignore[misc]
    model_run("havre neighbours only (train(embeddings=False))",
              lambda: train_module.train(train, seed=0, embeddings=False))
    model_run("havre embeddings only (trained around the neighbours), image+audio",
              lambda: train_module.train(train, item_features=features, seed=0), embeddings_only)
    model_run("havre neighbours × embeddings, no features", lambda: train_module.train(train, seed=0))
    for seed in range(args.seeds):
        model_run(f"havre neighbours × embeddings trained alone, image+audio (seed {seed})",
                  lambda seed=seed: train_module.train(train, item_features=features, seed=seed,  # type: ignore[misc]
                                                       offset_weight=0.0), blend_of_2_december)
        model_run(f"havre default: neighbours × embeddings, image+audio (seed {seed})",
                  lambda seed=seed: train_module.train(train, item_features=features, seed=seed))  # type: ignore[misc]
    print(f"\nTikTok valid.csv, {rows[0].metrics.users} users, {n_items} items; full ranking, training items removed;"
          f" {THREADS} BLAS threads\n")
    print(f"| model | Recall@{k} | NDCG@{k} | train s |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row.name} | {row.metrics.recall:.4f} | {row.metrics.ndcg:.4f} | {row.seconds:.1f} |")
    summaries = (("havre default", "havre default"), ("trained alone", "havre neighbours × embeddings trained"))
    for label, prefix in summaries:
        chosen = [r for r in rows if r.name.startswith(prefix)]
        if len(chosen) > 1:
            recall = np.array([r.metrics.recall for r in chosen])
            ndcg = np.array([r.metrics.ndcg for r in chosen])
            print(f"| {label}, mean ± sd over {len(chosen)} seeds | {recall.mean():.4f} ± {recall.std(ddof=1):.4f} "
                  f"| {ndcg.mean():.4f} ± {ndcg.std(ddof=1):.4f} | |")


if __name__ == "__main__":
    main()
