"""Pages of one For You list saved at once (a double tap, two tabs) keep every page's served ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from havre.accounts.models import User
from havre.feed import lists
from havre.regions import Regions


def test_pages_saved_at_once_lose_no_served_id(regions: Regions) -> None:
    region = regions.get(regions.names[0])
    with region.session() as s:
        user = User(handle="viewer", password_hash="-", home_region=region.name)
        s.add(user)
        s.flush()
        items = [[f"v{n:03d}", region.name, {"kind": "trending"}] for n in range(80)]
        feed_list = lists.new_list(user.id, items, list_id="list1")
        lists.save(s, feed_list)
        s.commit()
        user_id = user.id

    def page(n: int) -> None:
        with region.session() as s:
            opened = lists.open_list(s, lists.Cursor(list_id="list1", served=0), user_id)
            assert opened is not None
            lists.mark_served(opened, [f"v{n * 10 + k:03d}" for k in range(10)])  # each page its own ten
            if n % 2:  # and some of them reach the list's end and add more
                lists.extend(opened, [[f"x{n}", region.name, {"kind": "trending"}]])
            lists.save(s, opened)
            s.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(page, range(8)))

    with region.session() as s:
        final = lists.open_list(s, lists.Cursor(list_id="list1", served=0), user_id)
    assert final is not None
    assert sorted(final.served) == [f"v{n:03d}" for n in range(80)]  # all 80, each once
    assert {item[0] for item in final.items} >= {f"x{n}" for n in (1, 3, 5, 7)}
