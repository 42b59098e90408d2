"""A person with a life across two regions, a canary in every text they wrote, and a scan of every
store for what a deletion must leave nothing of."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from havre.accounts.models import User
from havre.blobs import keys
from havre.blobs.local import LocalBlobStore
from havre.imports.models import ImportRun
from havre.jobs.models import Job
from havre.portability.models import DataExport
from havre.portability.tables import metadata
from havre.recs.live import train_region
from havre.regions import Regions
from havre.videos.models import Video
from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload_ready

CANARY = "zqcanary7c41x"  # a word of its own, so a hashtag made of it is the canary too


REGIONS = ("us", "eu")  # the deletion tests' instance (their modules set ``region_names``)


@dataclass
class Life:
    """sam (us) is deleted; lou (us) and cam (eu) are the people around them."""

    sam: str
    sam_videos: list[str]
    lou: str
    lou_video: str
    cam: str
    cam_video: str
    clients: dict[str, ApiClient] = field(default_factory=dict)
    planted: list[str] = field(default_factory=list)  # ids of sam's export and import rows

    @property
    def needles(self) -> list[str]:
        return [CANARY, self.sam, *self.sam_videos, *self.planted]


def signup(client: ApiClient, handle: str, region: str) -> str:
    response = client.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD, "region": region})
    assert response.status_code == 201, response.text
    user_id: str = response.json()["id"]
    return user_id


def ok(response: object) -> None:
    status = getattr(response, "status_code", 0)
    assert 200 <= status < 300, getattr(response, "text", "")


def make_life(client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
              run_jobs: Callable[..., int], *, models: bool = True) -> Life:
    sam_c, lou_c, cam_c = client, make_client(), make_client()
    sam = signup(sam_c, "sam", "us")
    ok(sam_c.patch("/api/me", json={"display_name": f"Sam {CANARY}", "bio": f"I write {CANARY} everywhere"}))
    sam_videos = [upload_ready(sam_c, h264_clip, run_jobs, caption=f"first {CANARY} #{CANARY}"),
                  upload_ready(sam_c, h264_clip, run_jobs, caption=f"second {CANARY}", visibility="followers")]
    lou = signup(lou_c, "lou", "us")
    lou_video = upload_ready(lou_c, h264_clip, run_jobs, caption="lou's")
    cam = signup(cam_c, "cam", "eu")
    cam_video = upload_ready(cam_c, h264_clip, run_jobs, caption="cam's")
    for video in (lou_video, cam_video):  # sam's likes, comments, shares and views of others' videos
        ok(sam_c.post(f"/api/videos/{video}/like"))
        ok(sam_c.post(f"/api/videos/{video}/comments", json={"body": f"sam says {CANARY}"}))
        ok(sam_c.post(f"/api/videos/{video}/share"))
        ok(sam_c.post(f"/api/videos/{video}/views", json={"watch_ms": 2000, "completed": True}))
    ok(sam_c.post(f"/api/videos/{sam_videos[0]}/comments", json={"body": f"my own {CANARY}"}))
    ok(sam_c.post("/api/events", json={"events": [{"video_id": v, "kind": "play"} for v in
                                                  (lou_video, cam_video, sam_videos[0])]}))
    for handle in ("lou", "cam"):
        ok(sam_c.post(f"/api/users/{handle}/follow"))
    for fan in (lou_c, cam_c):  # and theirs of sam's, from both regions
        ok(fan.post("/api/users/sam/follow"))
        ok(fan.post(f"/api/videos/{sam_videos[0]}/like"))
        ok(fan.post(f"/api/videos/{sam_videos[0]}/comments", json={"body": "nice one"}))
        ok(fan.post(f"/api/videos/{sam_videos[0]}/views", json={"watch_ms": 1500, "completed": True}))
        ok(fan.post(f"/api/videos/{sam_videos[0]}/share"))
    ok(cam_c.post(f"/api/videos/{cam_video}/like"))  # eu's model needs two items
    ok(lou_c.get("/api/feed/foryou"))  # a For You list in us that may rank sam's videos
    ok(cam_c.get("/api/feed/foryou"))
    run_jobs()
    life = Life(sam=sam, sam_videos=sam_videos, lou=lou, lou_video=lou_video, cam=cam, cam_video=cam_video,
                clients={"sam": sam_c, "lou": lou_c, "cam": cam_c})
    us = regions.get("us")
    with us.session() as s:  # an archive of "Download my data", an import's source, an avatar
        export = DataExport(user_id=sam, status="ready", error=f"kept {CANARY}")
        run = ImportRun(user_id=sam, source_kind="export", source=f"/home/sam/{CANARY}.zip", extras={"bio": CANARY})
        s.add_all([export, run])
        user = s.get(User, sam)
        assert user is not None
        user.avatar_key = keys.avatar(sam)
        s.commit()
        life.planted = [export.id, run.id]
    us.blobs.put_bytes(keys.export_archive(sam, export.id), f"PK archive {CANARY}".encode())
    us.blobs.put_bytes(keys.import_source(sam, run.id), f"PK tiktok {CANARY}".encode())
    us.blobs.put_bytes(keys.avatar(sam), f"jpeg {CANARY}".encode())
    if models:  # models built with sam's data (and, in eu, with sam's video as an item)
        for name in ("us", "eu"):
            assert train_region(regions.get(name), min_interactions=1, embeddings=False).version is not None
    return life


def counts(regions: Regions, life: Life) -> dict[str, int]:
    """The public counts sam's activity moved, read where they live."""
    found: dict[str, int] = {}
    for region, video in (("us", life.lou_video), ("eu", life.cam_video)):
        with regions.get(region).session() as s:
            row = s.get(Video, video)
            assert row is not None
            for name in ("like_count", "comment_count", "share_count"):
                found[f"{region}.{name}"] = getattr(row, name)
    for region, user_id in (("us", life.lou), ("eu", life.cam)):
        with regions.get(region).session() as s:
            user = s.get(User, user_id)
            assert user is not None
            found[f"{region}.follower_count"] = user.follower_count
            found[f"{region}.following_count"] = user.following_count
    return found


def _database_text(engine: Engine, tables: Iterable[str]) -> bytes:
    """What a database holds: the raw files (and WAL) of SQLite; every row as text on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        assert engine.url.database
        db = Path(engine.url.database)
        return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    with engine.connect() as conn:
        return "\n".join(str(row[0]) for name in tables
                         for row in conn.exec_driver_sql(f'SELECT t::text FROM "{name}" t')).encode()


def scan(regions: Regions, needles: Iterable[str], *, logs: str = "") -> list[str]:
    """Where any of ``needles`` is still found: databases (and the directory), blob keys, bytes
    and folders, job payloads, logs."""
    wanted = [n for n in needles if n]
    found = []
    stores: list[tuple[str, Engine, Iterable[str]]] = [(r.name, r.engine, [t.name for t in metadata.sorted_tables])
                                                       for r in regions]
    stores.append(("directory", regions.directory.engine, ["user_homes", "video_homes", "pending_moves"]))
    for name, engine, tables in stores:
        text = _database_text(engine, tables)
        found += [f"{name} database: {n}" for n in wanted if n.encode() in text]
    for region in regions:
        store = region.blobs
        for key in store.keys():
            data = store.get_bytes(key)
            # UTF-32 too: a model keeps its item ids as a numpy string array
            found += [f"{region.name} blob {key}: {n}" for n in wanted
                      if n in key or n.encode() in data or n.encode("utf-32-le") in data]
        if isinstance(store, LocalBlobStore):
            found += [f"{region.name} folder {p}" for p in store.root.rglob("*") for n in wanted if n in p.name]
        with region.session() as s:
            for kind, payload in s.execute(select(Job.kind, Job.payload)):
                found += [f"{region.name} job {kind}: {n}" for n in wanted if n in json.dumps(payload)]
    found += [f"logs: {n}" for n in wanted if n in logs]
    return found
