"""The region registry built from settings.

Code reaches a database session, blob store or job queue only through a ``Region``;
``Regions.home_of(...)`` picks the region a user's personal data lives in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from havre.blobs import BlobStore, open_blob_store
from havre.config import RegionConfig, Settings
from havre.db.engine import make_engine, make_sessionmaker, sqlite_url
from havre.jobs.service import on_commit_wake


class UnknownRegion(LookupError):
    pass


@dataclass(kw_only=True)
class Region:
    name: str
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    _wakers: list[Callable[[], None]] = field(default_factory=list)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session of this region's database; the caller commits."""
        with self.sessions() as s:
            yield s

    def on_job_enqueued(self, wake: Callable[[], None]) -> None:
        self._wakers.append(wake)

    def _wake_runners(self) -> None:
        for wake in list(self._wakers):
            wake()


def open_region(config: RegionConfig, settings: Settings) -> Region:
    root = settings.region_data_dir(config.name)
    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url or sqlite_url(root / "havre.db"))
    sessions = make_sessionmaker(engine)
    region = Region(name=config.name, engine=engine, sessions=sessions,
                    blobs=open_blob_store(config.blob_url, default_root=root / "media"))
    on_commit_wake(sessions, region._wake_runners)
    return region


class Regions:
    """All regions this instance declares; ``default`` takes signups unless told otherwise."""

    def __init__(self, regions: list[Region], *, default: str) -> None:
        self._by_name = {r.name: r for r in regions}
        self.default = self.get(default)

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

    def close(self) -> None:
        for region in self:
            region.engine.dispose()


def open_regions(settings: Settings) -> Regions:
    return Regions([open_region(c, settings) for c in settings.regions], default=settings.default_region)
