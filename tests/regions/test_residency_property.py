"""Property: whatever people do, personal data never lands outside its owner's home region.

Hypothesis draws a workload: people signing up in 2-3 regions, uploading, following, liking,
commenting, watching across regions, editing profiles, deleting videos, moving to another region. Every text a person
writes carries their own canary string. Afterwards the raw bytes of every store of every other
region (database files or tables, blob objects) and of the global directory are searched for
each canary: there must be no hit. The residency audit must pass too.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text

from havre.app import create_app
from havre.blobs import keys
from havre.config import Settings
from havre.db.migrate import upgrade
from havre.portability.deletion import delete_account
from havre.portability.move import move_user
from havre.portability.residency import audit_residency
from havre.regions import Region, Regions, open_regions
from havre.workers.runner import JobRunner
from tests.conftest import ApiClient, instance_settings
from tests.s3server import S3Server
from tests.scale_mode import scale_mode

REGIONS = ("us", "eu", "ap")
PASSWORD = "correct horse battery"


@dataclass
class Person:
    handle: str
    region: str
    canary: str
    client: ApiClient


@dataclass
class World:
    people: list[Person] = field(default_factory=list)
    videos: list[tuple[str, Person]] = field(default_factory=list)
    gone: list[Person] = field(default_factory=list)  # deleted accounts: nothing of theirs may remain


actions = st.one_of(
    st.tuples(st.just("upload"), st.integers(0, 3), st.sampled_from(["public", "followers", "private"])),
    st.tuples(st.just("like"), st.integers(0, 3), st.integers(0, 5)),
    st.tuples(st.just("comment"), st.integers(0, 3), st.integers(0, 5)),
    st.tuples(st.just("view"), st.integers(0, 3), st.integers(0, 5)),
    st.tuples(st.just("events"), st.integers(0, 3), st.integers(0, 5)),
    st.tuples(st.just("follow"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("profile"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("move"), st.integers(0, 3), st.sampled_from(REGIONS)),
    st.tuples(st.just("selfmove"), st.integers(0, 3), st.sampled_from(REGIONS)),
    st.tuples(st.just("export"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("deleteaccount"), st.integers(0, 3), st.just(0)),
)
workloads = st.tuples(
    st.lists(st.sampled_from(REGIONS), min_size=2, max_size=4).filter(lambda rs: len(set(rs)) >= 2),
    st.lists(actions, min_size=3, max_size=10),
)


def _perform(world: World, action: tuple[str, int, object], clip: Path, regions: Regions | None = None,
             settings: Settings | None = None) -> None:
    kind, who, arg = action
    person = world.people[who % len(world.people)]
    c = person.client
    if kind == "move":
        assert regions is not None
        if arg != person.region:
            move_user(regions, person.handle, str(arg))
            person.region = str(arg)
            login = c.post("/api/auth/login", json={"handle": person.handle, "password": PASSWORD})
            assert login.status_code == 200 and login.json()["home_region"] == arg
        return
    if kind == "selfmove":  # from Settings: the move runs as a job, then they log in again
        assert regions is not None
        if arg != person.region and arg in regions.names:
            started = c.post("/api/me/move", json={"region": arg, "password": PASSWORD})
            assert started.status_code == 202, started.text
            assert settings is not None
            JobRunner(regions=regions, settings=settings).drain()
            assert c.get(started.json()["status_url"]).json()["state"] == "done"
            person.region = str(arg)
            login = c.post("/api/auth/login", json={"handle": person.handle, "password": PASSWORD})
            assert login.status_code == 200 and login.json()["home_region"] == arg
        return
    if kind == "deleteaccount":  # the grace period over: everything of theirs goes, in every region
        assert regions is not None
        if len(world.people) > 1:
            user_id = regions.directory.user_id_of_handle(person.handle)
            assert user_id is not None
            delete_account(regions, user_id)
            world.people.remove(person)
            world.gone.append(person)
            world.videos = [v for v in world.videos if v[1] is not person]
        return
    if kind == "export":  # "Download my data": the archive is built and kept in the home region only
        assert c.post("/api/me/exports").status_code in (202, 429)
        return
    if kind == "upload" and len(world.videos) < 3:  # encoding is the slow part: a few per workload
        with open(clip, "rb") as f:
            response = c.post("/api/videos", files={"file": ("clip.mp4", f, "video/mp4")},
                              data={"caption": f"my trip {person.canary} #voyage", "visibility": str(arg)})
        assert response.status_code == 201, response.text
        world.videos.append((response.json()["id"], person))
        return
    if kind == "follow":
        target = world.people[int(arg) % len(world.people)]  # type: ignore[call-overload]
        if target is not person:
            assert c.post(f"/api/users/{target.handle}/follow").status_code == 200
        return
    if kind == "profile":
        assert c.patch("/api/me", json={"display_name": f"Name {person.canary}",
                                        "bio": f"I live in {person.region} {person.canary}"}).status_code == 200
        return
    if not world.videos:
        return
    video_id, owner = world.videos[int(arg) % len(world.videos)]  # type: ignore[call-overload]
    if kind == "delete":
        owner.client.delete(f"/api/videos/{video_id}")
        world.videos = [v for v in world.videos if v[0] != video_id]
    elif kind == "like":
        c.post(f"/api/videos/{video_id}/like")  # 404 when not visible to them: also a valid outcome
    elif kind == "comment":
        c.post(f"/api/videos/{video_id}/comments", json={"body": f"{person.canary} was here"})
    elif kind == "view":
        c.post(f"/api/videos/{video_id}/views", json={"watch_ms": 1200, "completed": True})
    elif kind == "events":  # what the player sends: kept in the viewer's home region only
        batch = [{"video_id": video_id, "kind": k} for k in ("impression", "play", "loop", "skip", "not_interested")]
        assert c.post("/api/events", json={"events": batch}).status_code == 204


def _database_bytes(engine: Engine, files: list[Path]) -> bytes:
    if engine.dialect.name == "sqlite":  # the files themselves, write-ahead log included
        return b"".join(p.read_bytes() for p in files if p.is_file())
    chunks = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            chunks += [row[0].encode() for row in conn.execute(text(f'SELECT t::text FROM "{table}" t'))]
    return b"\n".join(chunks)


def _store_bytes(settings: Settings, region: Region) -> bytes:
    folder = settings.region_data_dir(region.name)
    files = sorted(folder.rglob("*")) if folder.exists() else []
    blobs = b"".join(region.blob_store.get_bytes(k) for k in region.blob_store.keys())
    return _database_bytes(region.engine, files) + blobs


def _directory_bytes(settings: Settings, regions: Regions) -> bytes:
    files = sorted(settings.data_dir.glob("directory.db*"))
    return _database_bytes(regions.directory.engine, files)


@pytest.fixture
def s3_or_none(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> S3Server | None:
    if not scale_mode():
        return None
    s3: S3Server = request.getfixturevalue("s3_server")
    for var, value in s3.env().items():
        monkeypatch.setenv(var, value)
    return s3


@contextmanager
def _instance(tmp_path_factory: pytest.TempPathFactory, s3: S3Server | None) -> Iterator[tuple[Settings, Regions]]:
    with instance_settings(tmp_path_factory.mktemp("residency") / "data", REGIONS, s3) as settings:
        regions = open_regions(settings)
        for region in regions:
            upgrade(region.engine)
        try:
            yield settings, regions
        finally:
            regions.close()


@hypothesis_settings(max_examples=3 if scale_mode() else 6, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(workload=workloads)
# Always among the cases: a creator with a life who then moves away, and a mover who comes back.
@example(workload=(["us", "eu"], [("upload", 0, "public"), ("comment", 1, 0), ("like", 1, 0), ("follow", 1, 0),
                                  ("comment", 0, 0), ("view", 0, 0), ("move", 0, "eu")]))
@example(workload=(["eu", "ap", "us"], [("upload", 1, "followers"), ("follow", 0, 1), ("view", 0, 0),
                                        ("move", 1, "us"), ("comment", 1, 0), ("move", 1, "ap")]))
# And one whose members in two regions watch and like enough for each region to train a model.
@example(workload=(["us", "eu"], [("upload", 0, "public"), ("upload", 1, "public"), ("view", 0, 0), ("view", 0, 1),
                                  ("like", 1, 0), ("like", 1, 1), ("events", 0, 0)]))
# And one who downloads their data, then moves it from Settings; and one who leaves for good.
@example(workload=(["us", "eu"], [("upload", 0, "public"), ("comment", 1, 0), ("export", 0, 0), ("selfmove", 0, "eu"),
                                  ("export", 1, 0)]))
@example(workload=(["us", "eu"], [("upload", 0, "public"), ("upload", 1, "public"), ("comment", 1, 0),
                                  ("like", 0, 1), ("follow", 0, 1), ("events", 1, 0), ("deleteaccount", 1, 0)]))
def test_no_personal_data_leaves_its_home_region(workload: tuple[list[str], list[tuple[str, int, object]]],
                                                 tmp_path_factory: pytest.TempPathFactory,
                                                 s3_or_none: S3Server | None, h264_clip: Path) -> None:
    homes, steps = workload
    with _instance(tmp_path_factory, s3_or_none) as (settings, regions):
        app = create_app(settings, regions=regions)
        world = World()
        clients = []
        try:
            for i, home in enumerate(homes):
                client = ApiClient(app)
                client.__enter__()
                clients.append(client)
                client.prime_csrf()
                handle = f"p{i}_{uuid.uuid4().hex[:6]}"
                response = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD,
                                                                 "region": home})
                assert response.status_code == 201, response.text
                person = Person(handle, home, f"CANARY{uuid.uuid4().hex}", client)
                _perform(World(people=[person]), ("profile", 0, 0), h264_clip)
                world.people.append(person)
            runner = JobRunner(regions=regions, settings=settings)
            for step in steps:
                _perform(world, step, h264_clip, regions, settings)
                runner.drain()
            for person in world.people:  # everyone looks around: feeds read every region
                assert person.client.get("/api/feed/foryou").status_code == 200
                assert person.client.get("/api/feed/following").status_code == 200
                for video_id, _ in world.videos:
                    person.client.get(f"/api/videos/{video_id}/comments")
            runner.drain()
        finally:
            for client in clients:
                client.__exit__(None, None, None)

        stores = {region.name: _store_bytes(settings, region) for region in regions}
        directory = _directory_bytes(settings, regions)
        for person in world.gone:
            found = [name for name, data in stores.items() if person.canary.encode() in data]
            assert found == [] and person.canary.encode() not in directory, f"deleted {person.handle} in {found}"
        for person in world.people:
            canary = person.canary.encode()
            assert canary in stores[person.region], "the scan does not see the home region's data"
            leaks = [name for name, data in stores.items() if name != person.region and canary in data]
            assert leaks == [], f"{person.handle} (home {person.region}) found in {leaks}"
            assert canary not in directory
        _models_learn_only_from_home(regions)
        report = audit_residency(settings, regions)
        assert report.ok, report.as_dict()


# The workloads have a handful of people, so at the product's k (20 at least) nothing would ever
# be shared and the check below would prove nothing; at k=2 (the floor lowered for this check
# only) it bites on every workload where one person watched two videos: such a pair stays home.
SHARE_K = 2


def _models_learn_only_from_home(regions: Regions) -> None:
    """Each region's model, trained now, holds no item pair that its own members did not produce
    together: nothing of another region's viewing is in it (and no region keeps another's model).
    What it shares with the others holds only pairs at least SHARE_K of its viewers produced."""
    from havre.recs.live import positive_pairs, train_region
    from havre.recs.model import ItemModel
    from havre.regions.gateway import Gateway

    supporters: dict[str, dict[tuple[str, str], int]] = {}
    for region in regions:
        share = Gateway(regions, home=region, actor=f"{region.name}:job")
        with mock.patch("havre.recs.sharing.K_FLOOR", SHARE_K):
            trained = train_region(region, embeddings=False, min_interactions=1, share=share, k=SHARE_K)
        with region.session() as s:
            pairs = positive_pairs(s)
        watched: dict[str, set[str]] = {}
        for user, video in pairs:
            watched.setdefault(user, set()).add(video)
        counts: dict[tuple[str, str], int] = {}
        for videos in watched.values():
            for pair in ((a, b) for a in videos for b in videos if a != b):
                counts[pair] = counts.get(pair, 0) + 1
        supporters[region.name] = counts
        if trained.version is None:
            continue
        model = ItemModel.load(_download(region, keys.recs_model(trained.version)))
        assert _pairs_of(model) <= set(counts), f"{region.name}'s model holds pairs its members never produced"
        assert _pairs_of(model), f"{region.name}'s model learned nothing: the check above would prove nothing"
    for region in regions:
        for key in region.blobs.keys("recs/"):
            if key.startswith("recs/model-"):
                assert region.blobs.exists(keys.recs_current()), key
        for source, counts in supporters.items():
            current = keys.recs_shared_current(source)
            if source == region.name or not region.blobs.exists(current):
                continue
            copy = ItemModel.load(_download(region, keys.recs_shared(source, region.blobs.get_bytes(current).decode())))
            weak = {pair for pair in _pairs_of(copy) if counts.get(pair, 0) < SHARE_K}
            assert weak == set(), f"{region.name} holds pairs of {source} that fewer than {SHARE_K} viewers produced"
            assert copy.query.shape[1] == 0, f"{region.name} holds {source}'s embeddings"


def _download(region: Region, key: str) -> Path:
    local = Path(tempfile.mkdtemp()) / "model.npz"
    region.blobs.download(key, local)
    return local


def _pairs_of(model: object) -> set[tuple[str, str]]:
    from havre.recs.model import ItemModel

    assert isinstance(model, ItemModel)
    rows, cols = model.neighbours.nonzero()
    return {(model.item_ids[i], model.item_ids[j]) for i, j in zip(rows, cols, strict=True)}
