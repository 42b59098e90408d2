"""The recommender's learning side and its signals. Every module, by what it does:

- What viewers do, folded into per-video aggregates (no numpy): ``events`` (the player's signals,
  kept in the viewer's home region), ``signals`` (per-video sums beside each video), ``tasks``
  (the jobs that fold them, push them to other regions and retrain).
- The model (numpy and scipy: imported only by what trains, evaluates or serves one, never by a
  request that needs none): ``interactions`` (the user-item matrix), ``neighbours`` (item-to-item
  co-occurrence), ``embeddings`` (item vectors), ``model`` (the trained artifact), ``train`` (the
  variant trained by default), ``evaluate`` and ``metrics`` (Recall@K and NDCG@K, what
  ``havre recs eval`` prints), ``blas`` (keeps numpy's threads few).
- Training and serving it live: ``live`` (train a region's model from its members and swap it
  in), ``models_store`` (each server's loaded models, checked for new versions), ``serving`` (the
  model as the feed asks it), ``sharing`` and ``privacy`` (the item pairs at least k viewers made,
  the only part that may leave a region).

The command line is ``cli.recs``.
"""

# The jobs this package handles (recs.tasks), named by it.
FOLD_JOB = "recs.fold"
PUSH_SIGNALS_JOB = "recs.push_signals"
TRAIN_JOB = "recs.train"
