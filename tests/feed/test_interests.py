"""A member's interests: replaced as a whole, at most ten, each a hashtag (a bad one is named and
nothing is written), consistent under parallel writes, carried like the rest of their data; and
the choices offered are the candidates' hashtags, the most engaged-with first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from havre.accounts.signin import sign_up
from havre.db.base import utcnow
from havre.errors import InvalidInput
from havre.feed.candidates import Candidates
from havre.feed.interests import MAX_INTERESTS, Interest, choices, interests_of, set_interests, suggested_interests
from havre.feed.pool import PoolEntry
from havre.portability import archive_writer, deletion, move
from havre.regions import Region, Regions

THREADS, ROUNDS = 8, 10


def _member(regions: Regions, handle: str = "nina") -> str:
    return sign_up(regions, handle=handle, password="correct horse battery", open_session=False).user.id


def _set(region: Region, user_id: str, tags: list[str]) -> list[str]:
    with region.session() as s:
        stored = set_interests(s, user_id, tags)
        s.commit()
        return stored


def _of(region: Region, user_id: str) -> list[str]:
    with region.session() as s:
        return interests_of(s, user_id)


def test_interests_are_replaced_as_a_whole_and_normalised_as_hashtags(regions: Regions) -> None:
    region, nina = regions.default, _member(regions)
    assert _set(region, nina, ["#Skate", "cuisine", " #CUISINE "]) == ["cuisine", "skate"]
    with region.session() as s:
        first_chosen = s.scalar(select(Interest.chosen_at).where(Interest.user_id == nina, Interest.tag == "skate"))
    assert _set(region, nina, ["skate", "café", "日本"]) == ["café", "skate", "日本"]
    assert _of(region, nina) == ["café", "skate", "日本"]
    with region.session() as s:  # a tag kept from before keeps the day it was first chosen
        assert s.scalar(select(Interest.chosen_at).where(Interest.user_id == nina,
                                                         Interest.tag == "skate")) == first_chosen
    assert _set(region, nina, []) == [] and _of(region, nina) == []


def test_at_most_ten_and_a_refusal_writes_nothing(regions: Regions) -> None:
    region, nina = regions.default, _member(regions)
    _set(region, nina, ["skate"])
    with pytest.raises(InvalidInput, match=f"at most {MAX_INTERESTS} interests"):
        _set(region, nina, [f"tag{n}" for n in range(MAX_INTERESTS + 1)])
    assert _of(region, nina) == ["skate"]
    assert len(_set(region, nina, [f"tag{n}" for n in range(MAX_INTERESTS)])) == MAX_INTERESTS


@pytest.mark.parametrize("bad", ["no spaces", "skate#park", "", "#", "é-è", "x" * 101])
def test_a_tag_that_is_not_a_hashtag_is_named_and_nothing_is_written(regions: Regions, bad: str) -> None:
    region, nina = regions.default, _member(regions)
    _set(region, nina, ["skate"])
    with pytest.raises(InvalidInput) as refused:
        _set(region, nina, ["cuisine", bad, "art"])
    assert refused.value.field == "tags"
    assert f"“{bad.removeprefix('#')[:40]}" in refused.value.message and "is not a hashtag" in refused.value.message
    assert _of(region, nina) == ["skate"]


def test_parallel_writes_of_one_member_end_with_one_of_the_sets_whole(regions: Regions) -> None:
    region, nina = regions.default, _member(regions)
    sets = [sorted({f"t{k}_{n}" for n in range(5)} | {"shared"}) for k in range(THREADS)]

    def write(k: int) -> list[list[str]]:
        return [_set(region, nina, sets[k]) for _ in range(ROUNDS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(write, range(THREADS)))  # any error is raised here
    assert all(stored == sets[k] for k, rounds in enumerate(results) for stored in rounds)
    assert _of(region, nina) in sets


def test_interests_are_the_members_data_everywhere_it_is_carried() -> None:
    # Declared owned: the export writes them, a move copies them, a deletion erases them.
    for carried in (archive_writer.EXPORTED, move.COPIED, deletion.ERASED):
        assert Interest.__tablename__ in {table.name for table, _ in carried}


def _entry(n: int, tags: tuple[str, ...], *, likes: int = 0, completes: int = 0) -> PoolEntry:
    return PoolEntry(id=f"v{n}", region="eu", owner_id=f"u{n}", sound=None, hashtags=tags,
                     posted_at=utcnow() - timedelta(hours=n), duration_s=10.0, likes=likes, comments=0, shares=0,
                     views=0, impressions=0, plays=0, completes=completes, skips=0, loops=0, not_interested=0)


def test_suggestions_are_the_candidates_hashtags_weighted_by_engagement() -> None:
    cands = Candidates([
        _entry(1, ("chat", "drole")), _entry(2, ("chat",)), _entry(3, ("chat",)),  # common, never engaged with
        _entry(4, ("skate", "street"), likes=400, completes=600),  # one loved video
        _entry(5, ("skate",), likes=50),
        _entry(6, ("cuisine",)),
    ])
    assert suggested_interests(cands) == ["skate", "street", "chat", "cuisine", "drole"]
    assert suggested_interests(cands, 2) == ["skate", "street"]
    assert suggested_interests(Candidates([])) == []
    # The member's own come first, even one no candidate has; then the rest, n in all.
    assert choices(cands, ["zzz", "chat"], 4) == ["zzz", "chat", "skate", "street"]
