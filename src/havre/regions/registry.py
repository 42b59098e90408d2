"""The region registry built from settings.

Code reaches a database session, blob store or job queue only through a ``Region``. While a
request or a job is served on behalf of one region (``serving``), opening another region's
stores raises ``ResidencyViolation`` unless the gateway (``regions.gateway``) opened the door.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from havre.blobs import BlobStore, open_blob_store
from havre.config import RegionConfig, Settings
from havre.db.engine import make_engine, make_sessionmaker, sqlite_url
from havre.jobs.service import on_commit_wake
from havre.regions.changes import take_announced
from havre.regions.directory import Directory

# The region a request or job is served for (None: an operator's CLI, a test, startup).
_serving: ContextVar[str | None] = ContextVar("havre_serving_region", default=None)
# The region the gateway is reading from right now, on behalf of the serving one.
_crossing: ContextVar[str | None] = ContextVar("havre_crossing_into", default=None)
# The regions a person's own data is being moved between, at their request (``carrying``).
_carrying: ContextVar[frozenset[str]] = ContextVar("havre_carrying", default=frozenset())


class UnknownRegion(LookupError):
    pass


class ResidencyViolation(RuntimeError):
    """Code tried to reach another region's stores without the gateway: a bug, never user error."""


@contextmanager
def serving(region_name: str) -> Iterator[None]:
    """Serve the enclosed work for one region: its stores only, others through the gateway."""
    token = _serving.set(region_name)
    try:
        yield
    finally:
        _serving.reset(token)


@contextmanager
def crossing_into(region_name: str) -> Iterator[None]:
    """Open another region's stores for the gateway (and only the gateway calls this)."""
    token = _crossing.set(region_name)
    try:
        yield
    finally:
        _crossing.reset(token)


@contextmanager
def carrying(source: str, target: str) -> Iterator[None]:
    """Open two regions' stores for a region move that a job runs for its owner (the move is the one
    caller: it copies the person's rows and files, verified, and records it on the target's chain)."""
    token = _carrying.set(frozenset((source, target)))
    try:
        yield
    finally:
        _carrying.reset(token)


def serving_region() -> str | None:
    return _serving.get()


@dataclass(kw_only=True)
class Region:
    name: str
    engine: Engine
    sessions: sessionmaker[Session]
    blob_store: BlobStore
    _wakers: list[Callable[[], None]] = field(default_factory=list)
    _listeners: dict[str, list[Callable[[str], None]]] = field(default_factory=dict)

    def _check_door(self) -> None:
        current = _serving.get()
        if (current is not None and current != self.name and _crossing.get() != self.name
                and not {current, self.name} <= _carrying.get()):
            raise ResidencyViolation(
                f"work served for region {current!r} opened region {self.name!r} outside the gateway")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session of this region's database; the caller commits."""
        self._check_door()
        with self.sessions() as s:
            s.info["region"] = self.name  # for listeners that care where a commit landed
            yield s

    @property
    def blobs(self) -> BlobStore:
        self._check_door()
        return self.blob_store

    def scrub(self) -> None:
        """Make deleted rows unrecoverable from the files now (after a move or a deletion).

        SQLite overwrites deleted rows (secure_delete) but older page images stay in the
        write-ahead log until it is checkpointed and truncated. PostgreSQL reclaims dead rows
        with (auto)vacuum; S3 servers with their own compaction.
        """
        self._check_door()
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def on_job_enqueued(self, wake: Callable[[], None]) -> None:
        self._wakers.append(wake)

    def on_change(self, topic: str, listener: Callable[[str], None]) -> None:
        """Call ``listener(region name)`` after each commit here that announced ``topic``
        (regions.changes)."""
        self._listeners.setdefault(topic, []).append(listener)

    def _heard(self, session: Session) -> None:
        for topic in take_announced(session):
            for listener in list(self._listeners.get(topic, ())):
                listener(self.name)

    def _wake_runners(self) -> None:
        for wake in list(self._wakers):
            wake()


def open_region(config: RegionConfig, settings: Settings) -> Region:
    root = settings.region_data_dir(config.name)
    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url or sqlite_url(root / "havre.db"))
    sessions = make_sessionmaker(engine)
    region = Region(name=config.name, engine=engine, sessions=sessions,
                    blob_store=open_blob_store(config.blob_url, default_root=root / "media"))
    on_commit_wake(sessions, region._wake_runners)
    event.listen(sessions, "after_commit", region._heard)
    event.listen(sessions, "after_rollback", take_announced)  # a rolled back change did not happen
    return region


class Regions:
    """All regions this instance declares; ``default`` takes signups unless told otherwise."""

    def __init__(self, regions: list[Region], *, default: str, directory: Directory) -> None:
        self._by_name = {r.name: r for r in regions}
        self.default = self.get(default)
        self.directory = directory

    def get(self, name: str) -> Region:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownRegion(f"unknown region {name!r}; this instance has {', '.join(self.names)}") from None

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_name.values())

    def home_of_handle(self, handle: str) -> Region | None:
        name = self.directory.region_of_handle(handle)
        return self._by_name.get(name) if name else None

    def home_of_user(self, user_id: str) -> Region | None:
        name = self.directory.region_of_user(user_id)
        return self._by_name.get(name) if name else None

    def home_of_video(self, video_id: str) -> Region | None:
        name = self.directory.region_of_video(video_id)
        return self._by_name.get(name) if name else None

    def close(self) -> None:
        for region in self:
            region.engine.dispose()
        self.directory.close()


def open_regions(settings: Settings) -> Regions:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    directory = Directory(settings.directory_url or sqlite_url(settings.data_dir / "directory.db"))
    return Regions([open_region(c, settings) for c in settings.regions], default=settings.default_region,
                   directory=directory)
