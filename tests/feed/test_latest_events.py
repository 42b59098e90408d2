"""The viewer's latest events that a process holds between pages (``latest_events`` of ``feed.state.FeedState``):
a page reads only what arrived since, yet never ranks from a window the database no longer has."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, insert, select

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.feed import taste
from havre.feed.state import FeedState
from havre.kept import Kept
from havre.recs import events
from havre.recs.events import EVENTS_TABLE, FeedEvent
from havre.regions import Region, Regions


@pytest.fixture
def region(regions: Regions) -> Region:
    return regions.get(regions.names[0])


def _member(region: Region, handle: str) -> str:
    with region.session() as s:
        user = User(handle=handle, password_hash="-", home_region=region.name)
        s.add(user)
        s.commit()
        return user.id


def _record(region: Region, user_id: str, video_ids: list[str], kind: str = events.PLAY) -> list[int]:
    with region.session() as s:
        events.record(s, user_id, [events.Signal(video_id=v, kind=kind) for v in video_ids])
        s.commit()
        return list(s.scalars(select(FeedEvent.id).where(FeedEvent.user_id == user_id).order_by(FeedEvent.id)))


# What this test's process holds, as its app's feed state would.
HELD = FeedState().latest_events


def _recent(region: Region, user_id: str, held: taste.LatestEvents = HELD) -> list[tuple[str, str]]:
    with region.session() as s:
        return [(video_id, kind) for video_id, kind, _ in taste._home_facts(s, user_id, held).recent]


def _read_afresh(region: Region, user_id: str) -> list[tuple[str, str]]:
    """What a process holding nothing reads."""
    return _recent(region, user_id, Kept(max_items=10, ttl_s=60))


def test_a_page_reads_what_arrived_since_the_last_one_on_top_of_what_is_held(region: Region) -> None:
    viewer = _member(region, "viewer")
    _record(region, viewer, ["a", "b"])
    assert _recent(region, viewer) == [("b", "play"), ("a", "play")]
    _record(region, viewer, ["c"], kind=events.LOOP)
    assert _recent(region, viewer) == [("c", "loop"), ("b", "play"), ("a", "play")]
    assert [video_id for _, video_id, _, _ in HELD.get(viewer) or []] == ["c", "b", "a"]


def test_the_window_keeps_only_the_latest_events(region: Region) -> None:
    viewer = _member(region, "viewer")
    _record(region, viewer, [f"old{n}" for n in range(taste.RECENT_EVENTS)])
    _recent(region, viewer)
    _record(region, viewer, ["new0", "new1"])
    recent = _recent(region, viewer)
    assert len(recent) == taste.RECENT_EVENTS
    assert recent[:3] == [("new1", "play"), ("new0", "play"), (f"old{taste.RECENT_EVENTS - 1}", "play")]
    assert ("old0", "play") not in recent and ("old1", "play") not in recent
    assert recent == _read_afresh(region, viewer)


def test_an_event_deleted_since_is_not_ranked_from(region: Region) -> None:
    """A video deleted with its account takes its events out of everyone's history."""
    viewer = _member(region, "viewer")
    _record(region, viewer, ["kept", "gone", "alsokept"])
    assert ("gone", "play") in _recent(region, viewer)
    with region.session() as s:
        s.execute(delete(FeedEvent).where(FeedEvent.video_id == "gone"))
        s.commit()
    assert _recent(region, viewer) == [("alsokept", "play"), ("kept", "play")]


def test_an_event_committed_late_below_the_newest_is_read(region: Region) -> None:
    """At scale two writers may commit out of order: an event can appear under the newest held."""
    viewer, other = _member(region, "viewer"), _member(region, "other")
    first = _record(region, viewer, ["v1"])[0]
    _record(region, other, ["o1"])
    _record(region, viewer, ["v2"])
    assert _recent(region, viewer) == [("v2", "play"), ("v1", "play")]
    # The other member's event made way: its id now holds one of the viewer's, committed late.
    with region.session() as s:
        (late,) = s.scalars(select(FeedEvent.id).where(FeedEvent.user_id == other))
        assert first < late
        s.execute(delete(FeedEvent).where(FeedEvent.id == late))
        s.execute(insert(EVENTS_TABLE), [{"id": late, "user_id": viewer, "video_id": "late", "kind": "play",
                                          "watch_ms": 0, "at": utcnow()}])
        s.commit()
    assert _recent(region, viewer) == [("v2", "play"), ("late", "play"), ("v1", "play")]


def test_held_windows_are_bounded_and_forgotten_after_a_while() -> None:
    held: Kept[str, int] = Kept(max_items=2, ttl_s=60)
    for n, viewer in enumerate(("a", "b", "c")):
        held.put(viewer, n)
    assert held.get("a") is None and held.get("c") == 2
    stale: Kept[str, int] = Kept(max_items=2, ttl_s=0.0)
    stale.put("a", 1)
    assert stale.get("a") is None
    assert HELD.ttl_s <= 600 and HELD.max_items <= 2_000


def test_pages_read_while_events_arrive_end_on_the_database_window(region: Region) -> None:
    viewer = _member(region, "viewer")
    _record(region, viewer, [f"start{n}" for n in range(50)])
    stop = threading.Event()

    def pages() -> int:
        n = 0
        while not stop.is_set():
            recent = _recent(region, viewer)
            assert len(recent) == len(set(recent)), "no event twice"  # every id here is a new video
            n += 1
        return n

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(pages) for _ in range(3)]
        for batch in range(20):
            _record(region, viewer, [f"b{batch}_{k}" for k in range(15)])
        stop.set()
        assert all(r.result() > 0 for r in readers)
    assert _recent(region, viewer) == _read_afresh(region, viewer)
