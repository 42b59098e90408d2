"""A region's model is trained from its own members' viewing, swapped in without a restart, and
puts what the same viewers watched next into For You."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from havre.blobs import keys
from havre.cli import app as cli
from havre.config import Settings
from havre.recs import events
from havre.recs.live import train_region
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos, owner_of
from tests.operator_config import cli_env


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("eu", "us")


def _signup(client: ApiClient, handle: str, region: str) -> None:
    response = client.post("/api/auth/signup", json={"handle": handle, "password": "correct horse battery",
                                                     "region": region})
    assert response.status_code == 201, response.text


def _members_who_watch_pairs(regions: Regions, make_client: Callable[[], ApiClient], pairs: list[tuple[str, str]],
                             *, region: str, members: int) -> None:
    """``members`` viewers of ``region`` for each pair, who watched both of its videos to the end."""
    for p, pair in enumerate(pairs):
        for n in range(members):
            handle = f"fan{region}{p}x{n}"
            _signup(make_client(), handle, region)
            user = owner_of(regions, handle)
            with regions.get(region).session() as s:
                events.record(s, user.id, [events.Signal(video_id=v, kind=events.COMPLETE) for v in pair],
                              kinds=events.KINDS)
                s.commit()


def test_a_trained_model_brings_what_the_same_viewers_watched(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, settings: Settings,
        app: FastAPI) -> None:
    _signup(make_client(), "maker", "us")
    videos = add_videos(regions, "maker", [f"Clip {n}" for n in range(30)], plays=40, completes=10)
    # In eu, people who watch video 0 also watch video 17, and 1 goes with 23.
    _members_who_watch_pairs(regions, make_client, [(videos[0], videos[17]), (videos[1], videos[23])], region="eu",
                             members=6)
    result = CliRunner().invoke(cli, ["recs", "train", "--json", "--data-dir", str(settings.data_dir)],
                                env=cli_env(settings))
    assert result.exit_code == 0, result.output
    trained = json.loads(result.output)
    assert trained["eu"]["version"] and trained["eu"]["interactions"] == 24
    assert trained["us"]["version"] is None  # nobody in us watched anything: nothing to learn, nothing written
    eu = regions.get("eu")
    version = eu.blobs.get_bytes(keys.recs_current()).decode()
    assert version == trained["eu"]["version"] and eu.blobs.exists(keys.recs_model(version))
    # eu's model stays in eu; us gets only the pairs at least k=20 viewers produced: none of these (6 each).
    shared = [k for k in regions.get("us").blobs.keys() if k.startswith("recs/")]
    assert shared and all(k.startswith(keys.recs_shared_prefix("eu")) for k in shared), shared
    assert trained["eu"]["shared"] == {"us": 0}

    _signup(client, "newviewer", "eu")
    assert client.post(f"/api/videos/{videos[0]}/views", json={"watch_ms": 9000, "completed": True}).status_code == 204
    page = client.get("/api/feed/foryou").json()["items"]
    assert page[0]["id"] == videos[17], [(videos.index(v["id"]), v["why"]) for v in page[:5]]
    assert page[0]["why"] == "Because you watched @maker to the end"

    # Retrained: the servers swap to the new version (within their check interval; here at once).
    first = version
    again = train_region(eu)
    assert again.version and again.version != first
    models = app.state.feed.models  # the app's feed state (feed.state)
    models.check_s = 0.0
    client.get("/api/feed/foryou")
    assert models.get(eu).version == again.version


def test_too_little_to_learn_from_trains_nothing(regions: Regions) -> None:
    trained = train_region(regions.get("eu"))
    assert trained.version is None and trained.interactions == 0
    assert not list(regions.get("eu").blobs.keys("recs/"))
