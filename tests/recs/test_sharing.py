"""What a region's model shares with the others: only item pairs at least k of its viewers produced,
written through the gateway (audited), and used by the other region's For You."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import load_settings
from havre.portability.deletion import clean_models
from havre.recs import events
from havre.recs.events import FeedEvent
from havre.recs.live import train_region
from havre.recs.model import ItemModel
from havre.recs.models_store import ModelStore
from havre.recs.privacy import shareable
from havre.recs.sharing import NotShareable, publish, put_shared_pairs
from havre.regions import Regions, ResidencyViolation, serving
from havre.regions.audit import AuditEntry, verify_chain
from havre.regions.gateway import Gateway
from tests.conftest import ApiClient
from tests.feed.rows import add_videos

WRITE = "write:havre.recs.sharing.put_shared_pairs"


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("eu", "us")


def _viewers_who_complete(regions: Regions, region: str, videos: list[str], *, viewers: int, tag: str) -> None:
    """``viewers`` members of ``region`` (rows, no passwords to hash) who each watched ``videos`` to the end."""
    with regions.get(region).session() as s:
        for n in range(viewers):
            user = User(handle=f"{tag}{n}", password_hash="-", home_region=region)
            s.add(user)
            s.flush()
            events.record(s, user.id, [events.Signal(video_id=v, kind=events.COMPLETE) for v in videos],
                          kinds=events.KINDS)
        s.commit()


@pytest.fixture
def videos(client: ApiClient, regions: Regions) -> list[str]:
    client.signup("maker", region="us")
    return add_videos(regions, "maker", [f"Clip {n}" for n in range(8)], plays=40, completes=10)


def _gateway(regions: Regions, home: str) -> Gateway:
    return Gateway(regions, home=regions.get(home), actor=f"{home}:job")


def _shared_copy(regions: Regions, region: str, source: str) -> ItemModel:
    blobs = regions.get(region).blobs
    version = blobs.get_bytes(keys.recs_shared_current(source)).decode()
    local = Path(tempfile.mkdtemp()) / "shared.npz"
    blobs.download(keys.recs_shared(source, version), local)
    return ItemModel.load(local)


def _pairs(model: ItemModel) -> set[tuple[str, str]]:
    rows, cols = model.neighbours.nonzero()
    return {(model.item_ids[i], model.item_ids[j]) for i, j in zip(rows, cols, strict=True)}


def _writes_into(regions: Regions, region: str) -> int:
    with regions.get(region).session() as s:
        assert verify_chain(s) == []
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == WRITE)) or 0


def test_only_pairs_k_viewers_produced_leave_the_region_and_the_other_region_uses_them(
        regions: Regions, videos: list[str], make_client: Callable[[], ApiClient]) -> None:
    a, b, c, d = videos[0], videos[5], videos[1], videos[6]
    _viewers_who_complete(regions, "eu", [a, b], viewers=20, tag="crowd")  # exactly k: may leave
    _viewers_who_complete(regions, "eu", [c, d], viewers=19, tag="few")  # one short: stays home

    trained = train_region(regions.get("eu"), embeddings=False, share=_gateway(regions, "eu"), k=20)

    assert trained.version and trained.shared == {"us": 2}  # a→b and b→a
    us = regions.get("us").blobs
    assert sorted(us.keys("recs/")) == sorted([keys.recs_shared("eu", us.get_bytes(
        keys.recs_shared_current("eu")).decode()), keys.recs_shared_current("eu")])  # eu's model stays in eu
    copy = _shared_copy(regions, "us", "eu")
    assert _pairs(copy) == {(a, b), (b, a)} and set(copy.item_ids) == {a, b}  # c and d are not even named
    assert copy.query.shape[1] == 0 and copy.info["k_anonymity"] == 20
    assert _writes_into(regions, "us") == 1

    served = ModelStore().get(regions.get("us"))  # us has no model of its own: it serves eu's pairs
    assert served is not None and served.neighbours(a) == [(b, 0.5)] and served.neighbours(c) == []

    # A member of us who watches a to the end gets b next, with the reason.
    client = make_client()
    client.signup("usviewer", region="us")
    assert client.post(f"/api/videos/{a}/views", json={"watch_ms": 9000, "completed": True}).status_code == 204
    first = client.get("/api/feed/foryou").json()["items"][0]
    assert first["id"] == b and first["why"] == "Because you watched @maker to the end"


def test_a_file_that_is_not_a_k_anonymous_copy_is_refused_and_nothing_is_written(
        regions: Regions, videos: list[str]) -> None:
    gw, us = _gateway(regions, "eu"), regions.get("us")
    with pytest.raises(NotShareable, match="not a model file"):
        gw.write_aggregate_file(us, put_shared_pairs, "eu", "v1", b"PK\x03\x04 not a zip at all")
    _viewers_who_complete(regions, "eu", videos[:2], viewers=12, tag="v")
    model = train_region(regions.get("eu"), embeddings=False)
    assert model.version is not None
    eu_model = ItemModel.load(_download(regions, "eu", keys.recs_model(model.version)))
    with pytest.raises(NotShareable, match="3-anonymous; at least 20"):
        publish(gw, dataclasses.replace(eu_model, info={**eu_model.info, "k_anonymity": 3}), version="v2")
    with pytest.raises(NotShareable, match="does not say how many viewers"):  # the raw model, not made shareable
        publish(gw, eu_model, version="v3")
    with_vectors = dataclasses.replace(eu_model, info={**eu_model.info, "k_anonymity": 20},
                                       query=np.ones((eu_model.n_items, 4), np.float32),
                                       target=np.ones((eu_model.n_items, 4), np.float32))
    with pytest.raises(NotShareable, match="embeddings"):
        publish(gw, with_vectors, version="v4")
    assert list(us.blobs.keys("recs/")) == [] and _writes_into(regions, "us") == 0


def _download(regions: Regions, region: str, key: str) -> Path:
    local = Path(tempfile.mkdtemp()) / "file.npz"
    regions.get(region).blobs.download(key, local)
    return local


def test_copies_arriving_at_once_leave_one_whole_copy_named(regions: Regions, videos: list[str]) -> None:
    _viewers_who_complete(regions, "eu", videos[:2], viewers=20, tag="crowd")
    eu = regions.get("eu")
    trained = train_region(eu, embeddings=False)
    assert trained.version is not None
    model = ItemModel.load(_download(regions, "eu", keys.recs_model(trained.version)))
    with eu.session() as s:
        pairs = list(s.execute(select(FeedEvent.user_id, FeedEvent.video_id)))
    users = sorted({u for u, _ in pairs})
    index = {v: n for n, v in enumerate(model.item_ids)}
    from havre.recs.interactions import from_pairs  # (deferred: only this test builds a matrix)

    matrix = from_pairs([(users.index(u), index[v]) for u, v in pairs], n_items=model.n_items)
    copy = shareable(model, interactions=matrix, k=20)
    gw = _gateway(regions, "eu")
    with ThreadPoolExecutor(6) as pool:
        written = list(pool.map(lambda n: publish(gw, copy, version=f"20261202T000000-{n:06d}"), range(6)))
    assert written == [{"us": 2}] * 6
    us = regions.get("us").blobs
    files = [k for k in us.keys(keys.recs_shared_prefix("eu")) if k.endswith(".npz")]
    named = us.get_bytes(keys.recs_shared_current("eu")).decode()
    assert files == [keys.recs_shared("eu", named)]  # the one named, whole; the others deleted
    assert _pairs(_shared_copy(regions, "us", "eu")) == {(videos[0], videos[1]), (videos[1], videos[0])}
    assert _writes_into(regions, "us") == 6


def test_a_region_left_with_too_little_withdraws_what_it_shared(regions: Regions, videos: list[str]) -> None:
    _viewers_who_complete(regions, "eu", videos[:2], viewers=25, tag="crowd")
    eu = regions.get("eu")
    assert train_region(eu, embeddings=False, share=_gateway(regions, "eu")).shared == {"us": 2}
    with eu.session() as s:  # as when its members are deleted: nothing left to learn from
        s.execute(delete(FeedEvent))
        s.commit()
    assert clean_models(eu, share=_gateway(regions, "eu")) is None
    assert not _pairs(_shared_copy(regions, "us", "eu"))
    assert len([k for k in regions.get("us").blobs.keys("recs/shared/eu/") if k.endswith(".npz")]) == 1
    assert ModelStore().get(regions.get("us")) is not None  # an empty copy: a model with no neighbours


@pytest.mark.parametrize("value, says", [("5", "'5': Input should be greater than or equal to 20"),
                                         ("many", "'many': Input should be a valid integer")])
def test_k_below_the_floor_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, says: str) -> None:
    monkeypatch.setenv("HAVRE_RECS_K_ANONYMITY", value)
    with pytest.raises(ValueError, match=says):
        load_settings(data_dir=tmp_path)
    monkeypatch.setenv("HAVRE_RECS_K_ANONYMITY", "50")
    assert load_settings(data_dir=tmp_path).recs_k_anonymity == 50



def test_a_copy_lands_only_after_its_crossing_is_recorded(regions: Regions, videos: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are not transactional: when the audit entry cannot be written, no file has crossed."""
    _viewers_who_complete(regions, "eu", videos[:2], viewers=20, tag="crowd")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr("havre.regions.audit.record", refuse)
    trained = train_region(regions.get("eu"), embeddings=False, share=_gateway(regions, "eu"), k=20)
    assert trained.version and trained.shared == {}  # logged and skipped: the next training writes again
    assert list(regions.get("us").blobs.keys("recs/")) == [] and _writes_into(regions, "us") == 0


def test_a_training_served_for_its_region_shares_its_pairs(regions: Regions, videos: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """As the job runner trains (served for eu): the copy crosses into us through the gateway's door,
    and still only after its entry is on us's chain (test_retrain_in_server: the same in `havre serve`)."""
    _viewers_who_complete(regions, "eu", videos[:2], viewers=20, tag="crowd")
    with serving("eu"):
        trained = train_region(regions.get("eu"), embeddings=False, share=_gateway(regions, "eu"), k=20)
    assert trained.shared == {"us": 2} and _writes_into(regions, "us") == 1
    assert _pairs(_shared_copy(regions, "us", "eu")) == {(videos[0], videos[1]), (videos[1], videos[0])}
    with serving("eu"), pytest.raises(ResidencyViolation), regions.get("us").session():
        pass  # the door closed again with the write

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr("havre.regions.audit.record", refuse)
    with serving("eu"):
        again = train_region(regions.get("eu"), embeddings=False, share=_gateway(regions, "eu"), k=20)
    assert again.version != trained.version and again.shared == {}
    assert regions.get("us").blobs.get_bytes(keys.recs_shared_current("eu")).decode() == trained.version
    assert _writes_into(regions, "us") == 1
