"""How For You scores a candidate, and why it is shown: one score from predicted outcomes.

Each candidate's ``quality`` (its predicted outcomes, weighted: feed.pool) is its base. What the
viewer did adds a personal part (see ``Taste``): likeness to what they watched to the end, liked or
shared (item-to-item weights of the trained model, or shared hashtags and sound without one),
creators they follow, and a penalty for creators and sounds they said they were not interested in.
A little freshness breaks ties toward new videos (weights: docs/recommender.md).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from havre.feed.pool import PoolEntry

FOLLOWED_BONUS = 0.6
SIMILAR_WEIGHT = 1.2
TAG_WEIGHT = 0.25
PENALTY_CREATOR = 1.5
PENALTY_SOUND = 0.7
FRESH_HALF_LIFE_H = 48.0
EXPLORE_IMPRESSIONS = 50  # below this a video is "new, being tried out"
EXPLORE_EVERY = 5  # one slot in five goes to a video being tried out


def freshness(c: PoolEntry, now: datetime) -> float:
    age_h = max(0.0, (now - c.posted_at).total_seconds() / 3600)
    return 0.3 * math.exp(-age_h * math.log(2) / FRESH_HALF_LIFE_H)


def sampled_quality(c: PoolEntry, rng: random.Random) -> float:
    """Thompson sampling: a draw of the video's appeal (completes and likes over its plays), so
    new videos with little evidence get tried, and the ones that do well get tried more."""
    wins = c.completes + c.likes + 1
    losses = max(0, c.plays - c.completes) + c.skips + c.not_interested + 1
    return rng.betavariate(wins, losses)


@dataclass
class Taste:
    """What the ranker knows of one viewer, from their latest events and follows."""

    followed: set[str] = field(default_factory=set)
    # video -> (weight, the video it is like, how the viewer showed they liked that one, its creator)
    similar: dict[str, tuple[float, str, str, str]] = field(default_factory=dict)
    tags: Counter[str] = field(default_factory=Counter)
    muted_creators: Counter[str] = field(default_factory=Counter)
    muted_sounds: Counter[str] = field(default_factory=Counter)
    not_interested: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Scored:
    entry: PoolEntry
    score: float
    reason: dict[str, str]


def score(c: PoolEntry, taste: Taste, now: datetime) -> Scored:
    base = c.quality + freshness(c, now)
    parts: list[tuple[float, dict[str, str]]] = []
    if c.id in taste.similar:
        weight, anchor, how, creator = taste.similar[c.id]
        parts.append((SIMILAR_WEIGHT * weight, {"kind": "similar", "anchor": anchor, "how": how,
                                                "creator": creator}))
    if c.owner_id in taste.followed:
        age_days = (now - c.posted_at).total_seconds() / 86400
        parts.append((FOLLOWED_BONUS * (1.5 if age_days < 7 else 1.0), {"kind": "followed", "creator": c.owner_id}))
    tag_hits = [(taste.tags[t], t) for t in c.hashtags if taste.tags[t] > 0]
    if tag_hits:
        hits, tag = max(tag_hits)
        parts.append((TAG_WEIGHT * math.log1p(hits), {"kind": "tag", "tag": tag}))
    penalty = PENALTY_CREATOR * taste.muted_creators[c.owner_id]
    penalty += PENALTY_SOUND * taste.muted_sounds[c.sound] if c.sound else 0.0
    personal = sum(p for p, _ in parts)
    reason = max(parts, key=lambda p: p[0])[1] if parts else _general_reason(c)
    return Scored(entry=c, score=base + personal - penalty, reason=reason)


def _general_reason(c: PoolEntry) -> dict[str, str]:
    if c.impressions < EXPLORE_IMPRESSIONS:
        return {"kind": "new"}
    return {"kind": "trending", "tag": c.hashtags[0]} if c.hashtags else {"kind": "popular"}


def diversify(ranked: list[Scored], *, look_ahead: int = 20) -> list[Scored]:
    """The same order, except that no two videos in a row share a creator or a sound when one of
    the next ``look_ahead`` can come between them."""
    pending = list(ranked)
    out: list[Scored] = []
    while pending:
        previous = out[-1].entry if out else None
        pick = 0
        if previous is not None:
            for i, candidate in enumerate(pending[:look_ahead]):
                c = candidate.entry
                if c.owner_id != previous.owner_id and not (c.sound and c.sound == previous.sound):
                    pick = i
                    break
        out.append(pending.pop(pick))
    return out


def with_exploration(ranked: list[Scored], trying: list[Scored], *, every: int = EXPLORE_EVERY) -> list[Scored]:
    """Give every ``every``-th place to a video being tried out (already in Thompson order)."""
    chosen = {s.entry.id for s in trying}
    main = [s for s in ranked if s.entry.id not in chosen]
    out: list[Scored] = []
    trying = list(trying)
    while main or trying:
        if trying and (len(out) % every == every - 1 or not main):
            out.append(trying.pop(0))
        elif main:
            out.append(main.pop(0))
    return out
