"""The recommender's learning side and its signals.

- ``events``, ``signals``, ``tasks``: what viewers do, folded into per-video aggregates (no numpy).
- ``model``, ``train``, ``evaluate``, ``cli``: the item-to-item model trained from interactions,
  the same one ``havre recs eval`` measures and the feed serves (numpy and scipy: imported only
  by what trains, evaluates or serves a model, never by a request that needs none).
"""
