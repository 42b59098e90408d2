"""Small synthetic interaction data with two clear taste clusters, for fast tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from havre.recs.interactions import from_pairs

CLUSTER = 20
"""Items 0..19 are cluster A, 20..39 cluster B."""
A = list(range(CLUSTER))
B = list(range(CLUSTER, 2 * CLUSTER))


def two_clusters(*, users: int = 160, seed: int = 0) -> list[tuple[int, int]]:
    """Each user picks 3 to 6 items of one cluster; half the users like A, half B."""
    rng = np.random.default_rng(seed)
    pairs = []
    for user in range(users):
        cluster = A if user % 2 == 0 else B
        for item in rng.choice(cluster, size=int(rng.integers(3, 7)), replace=False):
            pairs.append((user, int(item)))
    return pairs


def two_cluster_matrix(**kwargs: int) -> sp.csr_matrix:
    return from_pairs(two_clusters(**kwargs), n_items=2 * CLUSTER)


def item_features(*, seed: int = 0) -> np.ndarray:
    """(40, 8) features: the cluster shows in the first coordinate, the rest is noise."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((2 * CLUSTER, 8)).astype(np.float32)
    features[:CLUSTER, 0] += 3.0
    return features


def write_csv(path: Path, pairs: list[tuple[int, int]]) -> Path:
    path.write_text("user,item\n" + "".join(f"{u},{i}\n" for u, i in pairs), encoding="utf-8")
    return path
