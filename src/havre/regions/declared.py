"""An instance's declared regions: checked before anything is opened, recorded, added to.

Where the declaration lives (strongest first): HAVRE_REGIONS, the TOML config's
``[regions.NAME]`` tables, else, for an embedded instance, ``DATA_DIR/regions.json``, written by
``havre regions add`` and by the first command that creates the instance (``serve``, ``demo``...).
Commands then select among these regions; a name outside them is refused before any store is
opened (``config.UndeclaredRegion``), so a typo never creates a region.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from havre.config import (
    IN_CONFIG,
    IN_DATA_DIR,
    IN_ENV,
    IN_LAYOUT,
    REGIONS_FILE,
    Settings,
    UndeclaredRegion,
    check_region_name,
)

# What one embedded region keeps in the flat layout (a single region directly under DATA_DIR).
FLAT_STORES = ("havre.db", "havre.db-wal", "havre.db-shm", "media")


class RegionsError(Exception):
    """A change to the declared regions that Havre refuses; the message says what to do instead."""


def has_instance(settings: Settings) -> bool:
    """Whether the data dir (or the configuration) already holds an instance: its regions are
    declared somewhere, or its stores are not embedded under the data dir."""
    return bool(settings.declared_in) or any(r.database_url for r in settings.regions)


def no_instance_message(settings: Settings) -> str:
    return (f"There is no Havre instance in {settings.data_dir} yet: no region is declared and no data is "
            f"there. Check --data-dir (or HAVRE_DATA_DIR); `havre serve` or `havre demo` creates an "
            f"instance, `havre regions add NAME` declares its regions first.")


def check_region(settings: Settings, name: str | None) -> None:
    """Refuse a region named by an option (--region, --to) that the instance does not declare."""
    if name and name not in settings.declared:
        raise UndeclaredRegion(name, declared=settings.declared, declared_in=settings.declared_in,
                               data_dir=settings.data_dir)


def _write(data_dir: Path, names: list[str]) -> None:
    """Replace the declaration at once (never half-written). Each writer has a temporary file of
    its own: processes that start together on a fresh data dir (a web process and its workers)
    all record it, and with one shared name a writer's file was renamed away by another's."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=data_dir, prefix=REGIONS_FILE + ".", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps({"regions": names}, indent=2) + "\n")
        os.replace(tmp, data_dir / REGIONS_FILE)
    finally:
        tmp.unlink(missing_ok=True)


def record(settings: Settings) -> None:
    """Write down the regions of an embedded instance that is being created (or that an earlier
    version left undeclared), so later commands on the data dir need no --regions."""
    if settings.declared_in in ("", IN_LAYOUT):
        _write(settings.data_dir, list(settings.declared))


@dataclass(frozen=True)
class Added:
    names: tuple[str, ...]
    already: bool = False
    moved_to: Path | None = None  # where an empty single region's flat stores went


def _flat_stores(data_dir: Path) -> list[Path]:
    return [data_dir / name for name in FLAT_STORES if (data_dir / name).exists()]


def _holds_data(data_dir: Path) -> bool:
    """Whether a flat region holds any account, video or file (read-only; unreadable counts as data)."""
    media = data_dir / "media"
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        return True
    db = data_dir / "havre.db"
    if not db.exists():
        return False
    try:
        # Read only, but not mode=ro: a read-only connection to a WAL database leaves its -wal and
        # -shm files behind, and a refused command must leave the data dir as it was.
        with closing(sqlite3.connect(db)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            probes = {"users": "SELECT 1 FROM users LIMIT 1", "videos": "SELECT 1 FROM videos LIMIT 1"}
            return any(conn.execute(sql).fetchone() for table, sql in probes.items() if table in tables)
    except sqlite3.Error:
        return True


def add_region(settings: Settings, name: str) -> Added:
    """Declare one more region on an embedded instance.

    A single embedded region lives directly in DATA_DIR; with two, each has DATA_DIR/regions/NAME.
    An empty instance is moved to the new layout; one holding accounts or videos is refused
    rather than moved under a running server's feet.
    """
    check_region_name(name)
    if settings.declared_in == IN_ENV:
        raise RegionsError(f"This instance's regions ({', '.join(settings.declared)}) are declared in "
                           f"HAVRE_REGIONS; add {name} there.")
    if settings.declared_in == IN_CONFIG:
        raise RegionsError(f"This instance's regions ({', '.join(settings.declared)}) are declared in the "
                           f"config file; add a [regions.{name}] table there.")
    if os.environ.get("HAVRE_DATABASE_URL") or os.environ.get("HAVRE_BLOB_URL"):
        raise RegionsError("HAVRE_DATABASE_URL and HAVRE_BLOB_URL describe a single-region instance; "
                           "declare several regions with [regions.NAME] tables in a config file (docs/deploy.md).")
    current = list(settings.declared) if settings.declared_in else []
    if name in current:
        return Added(names=tuple(current), already=True)
    data = settings.data_dir
    moved_to = None
    if len(current) == 1 and _flat_stores(data):
        if _holds_data(data):
            raise RegionsError(
                f"This instance keeps its one region, {current[0]}, directly in {data}, and it holds accounts "
                f"or videos. With a second region each region gets its own folder ({data}/regions/NAME), and "
                f"Havre does not move existing data between the two layouts. Declare every region before the "
                f"first start (`havre regions add` on a fresh data dir, or `havre serve --regions "
                f"{current[0]},{name}`), or run at scale with a config file (docs/deploy.md).")
        moved_to = data / "regions" / current[0]
        moved_to.mkdir(parents=True)
        for path in _flat_stores(data):
            path.rename(moved_to / path.name)
    _write(data, [*current, name])
    return Added(names=(*current, name), moved_to=moved_to)


def describe(settings: Settings) -> list[dict[str, str | bool]]:
    """The declared regions with where each keeps its data (for `havre regions list`)."""
    configs = {r.name: r for r in settings.regions}
    where = {IN_DATA_DIR: str(settings.data_dir / REGIONS_FILE), IN_LAYOUT: f"{settings.data_dir} (its folders)",
             "": "nowhere yet (a fresh data dir)"}.get(settings.declared_in, settings.declared_in)
    rows: list[dict[str, str | bool]] = []
    for name in settings.declared:
        config = configs.get(name)
        root = settings.region_data_dir(name)
        rows.append({"name": name, "default": name == settings.default_region, "declared_in": where,
                     "database": (config.database_url if config and config.database_url else str(root / "havre.db")),
                     "files": (config.blob_url if config and config.blob_url else str(root / "media"))})
    return rows
