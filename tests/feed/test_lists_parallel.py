"""Pages of one For You list saved at once (a double tap, two tabs) keep every page's served ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import update

from havre.accounts.models import User
from havre.feed import lists
from havre.feed.state import FeedState
from havre.regions import Region, Regions

KNOWN = FeedState().list_items  # what this test's process holds, as its app's feed state would


def _saved_list(regions: Regions, list_id: str, size: int) -> tuple[Region, str, list[Any]]:
    """A member's list of ``size`` videos ``v000``..., saved: its region, its member, its items."""
    region = regions.get(regions.names[0])
    with region.session() as s:
        user = User(handle="viewer", password_hash="-", home_region=region.name)
        s.add(user)
        s.flush()
        items = [[f"v{n:03d}", region.name, {"kind": "trending"}] for n in range(size)]
        lists.save(s, lists.new_list(user.id, items, list_id=list_id), KNOWN)
        s.commit()
        return region, user.id, items


def test_pages_saved_at_once_lose_no_served_id(regions: Regions) -> None:
    region, user_id, _ = _saved_list(regions, "list1", 80)

    def page(n: int) -> None:
        with region.session() as s:
            opened = lists.open_list(s, lists.Cursor(list_id="list1", served=0), user_id, KNOWN)
            assert opened is not None
            lists.mark_served(opened, [f"v{n * 10 + k:03d}" for k in range(10)])  # each page its own ten
            if n % 2:  # and some of them reach the list's end and add more
                lists.extend(opened, [[f"x{n}", region.name, {"kind": "trending"}]])
            lists.save(s, opened, KNOWN)
            s.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(page, range(8)))

    with region.session() as s:
        final = lists.open_list(s, lists.Cursor(list_id="list1", served=0), user_id, KNOWN)
    assert final is not None
    assert sorted(final.served) == [f"v{n:03d}" for n in range(80)]  # all 80, each once
    assert {item[0] for item in final.items} >= {f"x{n}" for n in (1, 3, 5, 7)}


def test_a_list_another_process_extended_is_read_again(regions: Regions) -> None:
    """This process keeps the items of the lists it made; a list grown elsewhere is read afresh."""
    region, user_id, items = _saved_list(regions, "list2", 5)
    cursor = lists.Cursor(list_id="list2", served=0)
    with region.session() as s:
        kept = lists.open_list(s, cursor, user_id, KNOWN)
    assert kept is not None and kept.items == items
    # Another process reaches the list's end and adds to it (as ``lists.extend`` + ``save`` would).
    grown = [*items, ["v5", region.name, {"kind": "new"}]]
    with region.session() as s:
        s.execute(update(lists.FeedList).where(lists.FeedList.id == "list2").values(items=grown))
        s.commit()
    with region.session() as s:
        again = lists.open_list(s, cursor, user_id, KNOWN)
    assert again is not None and again.items == grown
    with region.session() as s:
        assert lists.open_list(s, cursor, "someone else", KNOWN) is None
