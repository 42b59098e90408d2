"""How For You scores its candidates, and why each is shown: one score from predicted outcomes.

Each candidate's ``quality`` (its predicted outcomes, weighted: feed.pool) is its base. What the
viewer did adds a personal part (see ``Taste``): likeness to what they watched to the end, liked or
shared (item-to-item weights of the trained model, or shared hashtags and sound without one),
creators they follow, and a penalty for creators and sounds they said they were not interested in.
The hashtags a member chose count as those of videos they liked (feed.taste says how much). A
little freshness breaks ties toward new videos (weights: docs/recommender.md).

Every candidate is scored at once, over the arrays of ``feed.candidates``; only the videos that
make a list get a reason, and only the head of the order is diversified (Python, a few hundred).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from havre.feed.candidates import Candidates, Floats, Ints

# The score's weights, as docs/recommender.md writes the formula (tests/feed/test_ranking.py checks
# it with these numbers written out, so a changed weight fails there until the doc says it too).
FOLLOWED_BONUS = 0.6  # a video of a creator the viewer follows...
FOLLOWED_NEW_BOOST = 1.5  # ... times this in its first week
FOLLOWED_NEW_H = 7 * 24.0
SIMILAR_WEIGHT = 1.2  # times the likeness to what the viewer liked, completed or shared
TAG_WEIGHT = 0.25  # times log(1 + the viewer's weight of the best shared hashtag)
PENALTY_CREATOR = 1.5  # per "not interested" on the creator, lately
PENALTY_SOUND = 0.7  # per "not interested" on the sound, lately
FRESHNESS = 0.3  # a video just posted gains this much...
FRESH_HALF_LIFE_H = 48.0  # ... halving every this many hours
EXPLORE_IMPRESSIONS = 50  # below this a video is "new, being tried out"
EXPLORE_EVERY = 5  # one slot in five goes to a video being tried out
LOOK_AHEAD = 20  # diversity: how far down the order the next video may come from
Mask = npt.NDArray[np.bool_]


@dataclass
class Taste:
    """What the ranker knows of one viewer, from their latest events and follows; ``similar`` and
    ``similar_anchor`` are aligned with the candidates it was read against (None: no likeness)."""

    followed: set[str] = field(default_factory=set)
    similar: Floats | None = None  # likeness (0..1] to what they liked, per candidate; 0: none
    similar_anchor: Ints | None = None  # which of ``anchors`` it is like, per candidate
    anchors: list[tuple[str, str, str]] = field(default_factory=list)  # (video, how liked, its creator)
    tags: Counter[str] = field(default_factory=Counter)
    interests: dict[str, int] = field(default_factory=dict)  # chosen hashtags, and what each adds to ``tags``
    muted_creators: Counter[str] = field(default_factory=Counter)
    muted_sounds: Counter[str] = field(default_factory=Counter)
    not_interested: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Scores:
    """Every candidate's score, and the personal parts it is made of (to name the reason)."""

    candidates: Candidates
    taste: Taste
    total: Floats
    similar: Floats
    followed: Floats
    tag: Floats

    def personal(self) -> Mask:
        return (self.similar > 0) | (self.followed > 0) | (self.tag > 0)

    def reason(self, i: int) -> dict[str, str]:
        """The strongest personal part of candidate ``i`` (the first of equals), else a general one."""
        return self.reasons([i])[0]

    def reasons(self, indices: Sequence[int]) -> list[dict[str, str]]:
        """``reason`` of each of these candidates: the arrays are read once for all of them (a new
        list names a hundred reasons, each array element read alone cost more than the rest)."""
        at = np.asarray(indices, dtype=np.int64)
        anchors = self.taste.similar_anchor
        columns = (self.similar[at].tolist(), (anchors[at] if anchors is not None else np.zeros_like(at)).tolist(),
                   self.followed[at].tolist(), self.tag[at].tolist())
        return [self._reason(int(i), *parts) for i, *parts in zip(indices, *columns, strict=True)]

    def _reason(self, i: int, similar: float, anchor_at: int, followed: float, tag: float) -> dict[str, str]:
        c = self.candidates.entries[i]
        parts: list[tuple[float, dict[str, str]]] = []
        if similar > 0 and self.taste.similar_anchor is not None:
            anchor, how, creator = self.taste.anchors[anchor_at]
            parts.append((similar, {"kind": "similar", "anchor": anchor, "how": how, "creator": creator}))
        if followed > 0:
            parts.append((followed, {"kind": "followed", "creator": c.owner_id}))
        if tag > 0:
            _, strongest = max((self.taste.tags[t], t) for t in c.hashtags if self.taste.tags[t] > 0)
            chosen = self.taste.tags[strongest] <= self.taste.interests.get(strongest, 0)  # not from what they watched
            parts.append((tag, {"kind": "interest" if chosen else "tag", "tag": strongest}))
        if parts:
            return max(parts, key=lambda p: p[0])[1]
        if c.impressions < EXPLORE_IMPRESSIONS:
            return {"kind": "new"}
        return {"kind": "trending", "tag": c.hashtags[0]} if c.hashtags else {"kind": "popular"}


def _per_name(names: dict[str, int], counts: Counter[str], size: int) -> Floats:
    """Counts by name as an array over the names' positions, with one 0 more at the end (for -1)."""
    out = np.zeros(size + 1, dtype=np.float64)
    for name, count in counts.items():
        if name in names:
            out[names[name]] = count
    return out


def score_all(cands: Candidates, taste: Taste, now: float) -> Scores:
    """Every candidate scored for this viewer at ``now`` (a POSIX time)."""
    age_h = np.maximum(0.0, now - cands.posted) / 3600
    base = cands.quality + FRESHNESS * np.exp(-age_h * math.log(2) / FRESH_HALF_LIFE_H)
    n = len(cands)
    similar = SIMILAR_WEIGHT * taste.similar if taste.similar is not None else np.zeros(n)
    followed_owner = _per_name(cands.owner_of, Counter(dict.fromkeys(taste.followed, 1)), len(cands.owners))
    followed = followed_owner[cands.owner] * FOLLOWED_BONUS * np.where(age_h < FOLLOWED_NEW_H, FOLLOWED_NEW_BOOST, 1.0)
    hits = cands.row_max(_per_name(cands.tag_of, taste.tags, len(cands.tags))[cands.tag_codes])
    tag = np.where(hits > 0, TAG_WEIGHT * np.log1p(hits), 0.0)
    penalty = (PENALTY_CREATOR * _per_name(cands.owner_of, taste.muted_creators, len(cands.owners))[cands.owner]
               + PENALTY_SOUND * _per_name(cands.sound_of, taste.muted_sounds, len(cands.sounds))[cands.sound])
    return Scores(candidates=cands, taste=taste, total=base + similar + followed + tag - penalty, similar=similar,
                  followed=followed, tag=tag)


def ranked(scores: Scores, *, leave_out: Mask, size: int, rng: np.random.Generator) -> list[int]:
    """The best ``size`` candidates not left out, best first (ties: the smaller id), with every
    ``EXPLORE_EVERY``-th place given to a new video drawn by Thompson sampling, diversified."""
    cands = scores.candidates
    kept = np.flatnonzero(~leave_out)
    order = kept[np.lexsort((cands.id_rank[kept], -scores.total[kept]))]
    fresh = order[(cands.impressions[order] < EXPLORE_IMPRESSIONS) & ~scores.personal()[order]]
    draws = rng.beta(cands.wins[fresh], cands.losses[fresh])  # one draw of each one's appeal
    trying = fresh[np.argsort(-draws, kind="stable")][:size // EXPLORE_EVERY]
    main = order[~np.isin(order, trying)][:size + LOOK_AHEAD]  # diversity looks no further down
    owner, sound = cands.owner.tolist(), cands.sound.tolist()
    return diversify(with_exploration(main.tolist(), trying.tolist()), owner, sound)[:size]


def diversify(order: list[int], owner: list[int], sound: list[int], *, look_ahead: int = LOOK_AHEAD) -> list[int]:
    """The same order, except that no two videos in a row share a creator or a sound (``sound``
    -1: none) when one of the next ``look_ahead`` can come between them."""
    pending = list(order)
    out: list[int] = []
    while pending:
        pick = 0
        if out:
            before = out[-1]
            for n, i in enumerate(pending[:look_ahead]):
                if owner[i] != owner[before] and not (sound[i] >= 0 and sound[i] == sound[before]):
                    pick = n
                    break
        out.append(pending.pop(pick))
    return out


def with_exploration(main: list[int], trying: list[int], *, every: int = EXPLORE_EVERY) -> list[int]:
    """Give every ``every``-th place to a video being tried out (already in Thompson order)."""
    chosen = set(trying)
    rest = [i for i in main if i not in chosen]
    out: list[int] = []
    t = r = 0
    while r < len(rest) or t < len(trying):
        if t < len(trying) and (len(out) % every == every - 1 or r == len(rest)):
            out.append(trying[t])
            t += 1
        else:
            out.append(rest[r])
            r += 1
    return out
