"""For You's state is the app's (feed.state): changes reach it because the actions that make them
announce them (regions.changes), not because a listener on every session scans for them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session

import havre.app  # noqa: F401  (everything a server imports: no module may listen on every session)
from havre.regions import Regions
from havre.regions.changes import VIDEOS, announce
from havre.videos.models import Video
from tests.conftest import ApiClient
from tests.feed.rows import add_videos


def _pool_held(app: FastAPI, region: str) -> bool:
    return region in app.state.feed.pools._pools


def test_no_listener_watches_every_session() -> None:
    for name in ("before_flush", "after_flush", "after_commit", "after_rollback"):
        # Those listening on the class itself (a sessionmaker's listeners sit on its own subclass).
        listeners = list(getattr(Session.dispatch, name)._clslevel.get(Session, ()))
        assert listeners == [], f"a listener on every Session's {name}"


def test_an_announced_change_makes_this_process_read_the_pool_again(
        app: FastAPI, client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    make_client().signup("maker")
    (video_id,) = add_videos(regions, "maker", ["One #clip"])
    region = regions.default
    client.get("/api/feed/foryou")
    assert _pool_held(app, region.name)
    with region.session() as s:  # a change that is rolled back did not happen
        s.get(Video, video_id).caption = "changed"  # type: ignore[union-attr]
        announce(s, VIDEOS)
        s.rollback()
    with region.session() as s:  # nor is one that is not announced heard (other processes see it later)
        s.get(Video, video_id).caption = "changed"  # type: ignore[union-attr]
        s.commit()
    assert _pool_held(app, region.name)
    with region.session() as s:
        announce(s, VIDEOS)
        s.commit()
    assert not _pool_held(app, region.name)


def test_the_owner_making_a_video_private_drops_the_pool(
        app: FastAPI, client: ApiClient, regions: Regions) -> None:
    client.signup("maker")
    (video_id,) = add_videos(regions, "maker", ["Mine #clip"])
    assert video_id in [v["id"] for v in client.get("/api/feed/foryou").json()["items"]]
    assert _pool_held(app, regions.default.name)
    assert client.patch(f"/api/videos/{video_id}", json={"visibility": "private"}).status_code == 200
    assert not _pool_held(app, regions.default.name)
    assert video_id not in [v["id"] for v in client.get("/api/feed/foryou").json()["items"]]
