"""Everything For You keeps in a server process between requests, in one object.

The app makes one ``FeedState`` and passes it in (``RequestContext.feed``, the recommender), the
way it does ``Regions``: no module keeps feed state of its own. Each part, what it holds, for how
long, and what makes it stale:

- ``pools``: each region's candidate pool, and all of them laid out as arrays (``feed.pool``).
  Read again in the background ``feed.pool.POOL_TTL_S`` after it was read; read again on the next
  page when a change to the region's videos is announced in this process (``regions.changes``).
- ``models``: each region's trained model (``recs.models_store``), until a newer version is
  named; the name is checked every ``recs.models_store.CHECK_S``.
- ``latest_events``: each viewer's latest events (``feed.taste``), for ``feed.taste.KEPT_S``,
  ``feed.taste.KEPT_VIEWERS`` viewers at most. Every read counts the viewer's events where those
  held lie; a different count reads them all again.
- ``list_items``: the items of the session lists this process made or read (``feed.lists``), for
  ``feed.lists.KEPT_S``, ``feed.lists.KEPT_LISTS`` lists at most. Items are only ever added at the
  end, so their count is the version: a page reads them again when the database's count differs.
- ``visitors``: per home region, the visitors' shared list of the current candidates, until the
  pools' candidates change (their version differs).

What a second process sees, and when: everything a page shows is read from the database when
the page is made, except what these caches hold. A video made private, deleted or turned down
leaves every process's next page at once (its card is read again from its region, and a member's
marks are read on every page); a new or changed video reaches another process's candidates
within ``POOL_TTL_S`` (``tests/feed/test_processes.py`` checks both with two ``havre serve``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from havre.feed import lists, taste
from havre.feed.pool import PoolCache
from havre.kept import Kept
from havre.recs.models_store import ModelStore
from havre.regions import Regions
from havre.regions.changes import VIDEOS


@dataclass
class FeedState:
    pools: PoolCache = field(default_factory=PoolCache)
    models: ModelStore = field(default_factory=ModelStore)
    latest_events: Kept[str, list[taste.Event]] = field(
        default_factory=lambda: Kept(max_items=taste.KEPT_VIEWERS, ttl_s=taste.KEPT_S))
    list_items: Kept[str, tuple[int, list[Any]]] = field(
        default_factory=lambda: Kept(max_items=lists.KEPT_LISTS, ttl_s=lists.KEPT_S))
    # home region -> (the candidates' version, the list's id, its items)
    visitors: dict[str, tuple[int, str, list[Any]]] = field(default_factory=dict)

    def listen(self, regions: Regions) -> None:
        """Hear the changes to each region's videos that this process commits (regions.changes)."""
        for region in regions:
            region.on_change(VIDEOS, self.pools.stale)
