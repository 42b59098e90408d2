"""The ranker over arrays keeps the rules: the documented score, diversity, nothing seen or "not
interested", a new video tried out; checked against a plain per-video version of the formula."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime, timedelta

import numpy as np

from havre.db.base import utcnow
from havre.feed.candidates import Candidates
from havre.feed.pool import PoolEntry, _with_quality
from havre.feed.ranking import EXPLORE_IMPRESSIONS, Taste, ranked, score_all

NOW = utcnow()
TAGS = ["skate", "cuisine", "chat", "danse"]


def _entry(n: int, *, owner: str, sound: str | None, tags: tuple[str, ...], age_h: float = 5.0,
           impressions: int = 500, plays: int = 400) -> PoolEntry:
    return _with_quality(PoolEntry(
        id=f"v{n:04d}", region="eu", owner_id=owner, sound=sound, hashtags=tags,
        posted_at=NOW - timedelta(hours=age_h), duration_s=10.0, likes=n % 7, comments=0, shares=n % 3,
        views=plays, impressions=impressions, plays=plays, completes=plays // (2 + n % 3), skips=plays // 5,
        loops=0, not_interested=n % 2))


def _pool(size: int, seed: int = 0) -> list[PoolEntry]:
    rng = random.Random(seed)
    return [_entry(n, owner=f"u{rng.randrange(6)}", sound=rng.choice([None, "s1", "s2", "s3"]),
                   tags=tuple(rng.sample(TAGS, rng.randrange(3))), age_h=rng.uniform(0, 400))
            for n in range(size)]


def _reference_score(c: PoolEntry, taste: Taste, similar: dict[str, float], now: datetime) -> float:
    """The formula of docs/recommender.md, one video at a time, with its numbers written out (not
    the code's constants: a changed weight must fail here until this and the doc say it too)."""
    age_h = max(0.0, (now - c.posted_at).total_seconds() / 3600)
    score = c.quality + 0.3 * math.exp(-age_h * math.log(2) / 48.0)
    score += 1.2 * similar.get(c.id, 0.0)
    if c.owner_id in taste.followed:
        score += 0.6 * (1.5 if age_h < 7 * 24 else 1.0)
    hits = [taste.tags[t] for t in c.hashtags if taste.tags[t] > 0]
    score += 0.25 * math.log1p(max(hits)) if hits else 0.0
    score -= 1.5 * taste.muted_creators[c.owner_id]
    return score - (0.7 * taste.muted_sounds[c.sound] if c.sound else 0.0)


def _taste(cands: Candidates) -> tuple[Taste, dict[str, float]]:
    similar = {cands.entries[i].id: 0.1 * (i % 9) for i in range(0, len(cands), 3)}
    taste = Taste(followed={"u1"}, tags=Counter({"skate": 3, "chat": 1}), muted_creators=Counter({"u2": 1}),
                  muted_sounds=Counter({"s3": 2}), anchors=[("v9999", "completed", "u5")])
    taste.similar = np.array([similar.get(e.id, 0.0) for e in cands.entries])
    taste.similar_anchor = np.where(taste.similar > 0, 0, -1)
    return taste, similar


def test_every_candidate_scores_as_the_documented_formula_says() -> None:
    cands = Candidates(_pool(300))
    taste, similar = _taste(cands)
    scores = score_all(cands, taste, NOW.timestamp())
    expected = [_reference_score(c, taste, similar, NOW) for c in cands.entries]
    assert np.allclose(scores.total, expected)
    # The reason is the strongest personal part; without one, a general reason.
    for i, c in enumerate(cands.entries):
        reason = scores.reason(i)
        if not (similar.get(c.id) or c.owner_id == "u1" or {"skate", "chat"} & set(c.hashtags)):
            assert reason["kind"] in ("trending", "popular", "new")
        elif reason["kind"] == "similar":
            assert reason == {"kind": "similar", "anchor": "v9999", "how": "completed", "creator": "u5"}


def test_no_two_in_a_row_share_a_creator_or_a_sound_while_others_remain() -> None:
    cands = Candidates(_pool(400, seed=3))
    taste, _ = _taste(cands)
    order = ranked(score_all(cands, taste, NOW.timestamp()), leave_out=np.zeros(len(cands), dtype=bool), size=100,
                   rng=np.random.default_rng(1))
    assert len(order) == len(set(order)) == 100
    for a, b in zip(order, order[1:], strict=False):
        ea, eb = cands.entries[a], cands.entries[b]
        assert ea.owner_id != eb.owner_id and not (ea.sound and ea.sound == eb.sound), (ea, eb)


def test_what_is_left_out_never_comes_and_the_rest_is_best_first() -> None:
    cands = Candidates([_entry(n, owner=f"u{n}", sound=None, tags=()) for n in range(50)])
    scores = score_all(cands, Taste(), NOW.timestamp())
    left_out = cands.mask({"v0003", "v0010", "v0042"})  # seen lately, or "not interested"
    order = ranked(scores, leave_out=left_out, size=50, rng=np.random.default_rng(0))
    ids = [cands.entries[i].id for i in order]
    assert not {"v0003", "v0010", "v0042"} & set(ids) and len(ids) == 47
    assert list(scores.total[order]) == sorted(scores.total[order], reverse=True)  # all distinct owners


def test_a_new_video_gets_a_place_among_well_known_ones() -> None:
    known = [_entry(n, owner=f"u{n}", sound=None, tags=(), plays=5000, impressions=6000) for n in range(60)]
    fresh = _entry(99, owner="newcomer", sound=None, tags=(), impressions=0, plays=0)
    cands = Candidates([*known, fresh])
    scores = score_all(cands, Taste(), NOW.timestamp())
    assert fresh.impressions < EXPLORE_IMPRESSIONS and scores.reason(60) == {"kind": "new"}
    order = ranked(scores, leave_out=np.zeros(len(cands), dtype=bool), size=20, rng=np.random.default_rng(5))
    assert order.index(60) == 4  # the first place kept for a video being tried out
