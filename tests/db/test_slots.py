"""Fixed-size IN lists (havre.db.slots): every value asked for is bound, nothing else is."""

from __future__ import annotations

import pytest

from havre.db import slots


@pytest.mark.parametrize(("count", "size"), [(0, 1), (1, 1), (2, 10), (10, 10), (11, 20), (21, 50), (50, 50)])
def test_a_list_gets_the_smallest_size_that_holds_it(count: int, size: int) -> None:
    assert slots.size_for(count) == size


def test_a_list_is_filled_with_its_last_value_and_an_empty_one_matches_nothing() -> None:
    assert slots.filled("id", ["a", "b"], 4) == {"id0": "a", "id1": "b", "id2": "b", "id3": "b"}
    assert slots.filled("id", [], 1) == {"id0": slots.NOTHING}


def test_long_lists_come_in_chunks_of_the_largest_size_in_order() -> None:
    values = [str(n) for n in range(2 * slots.LARGEST + 3)]
    chunks = list(slots.chunks(values))
    assert [len(c) for c in chunks] == [slots.LARGEST, slots.LARGEST, 3]
    assert [v for c in chunks for v in c] == values
    assert list(slots.chunks([])) == []
