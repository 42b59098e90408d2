"""`havre users audit-deletion`: look in every store of every region for what a deleted member left.

After a deletion Havre keeps nothing to search with: the directory forgot their ids and their texts
are gone (keeping them, even hashed, would be keeping them). So the operator says what to look for:
the handle, and canaries: exact texts the person wrote (a comment, a caption, their name), taken
from their request or from an archive they were given. Where it looks:
- every table of every region's database and of the directory (job payloads and import reports
  included): the handle as a whole value (a column, or a string in a JSON value, ``@`` and case
  aside), a canary anywhere in a text;
- every blob of every region: the archives ("Download my data", import sources) member by member,
  the same way (a member that is not JSON or text: canaries only); other text files (subtitles,
  playlists, JSON) for canaries. Videos, images and models are not read.
A mention of the handle inside someone else's sentence ("thanks @zed") is that person's words and
is not reported; a canary is, wherever it is.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, select

from havre.accounts.service import normalize_handle
from havre.blobs import keys as blob_keys
from havre.regions import Region, Regions

ARCHIVE_KINDS = frozenset({"export", "import_source"})
TEXT_SUFFIXES = (".vtt", ".srt", ".m3u8", ".json", ".txt", ".csv")


@dataclass
class DeletionAudit:
    handle: str
    canaries: list[str]
    found: list[str] = field(default_factory=list)  # "where: what"
    rows: int = 0
    blobs: int = 0
    archives: int = 0

    @property
    def ok(self) -> bool:
        return not self.found

    def as_dict(self) -> dict[str, Any]:
        return {"handle": self.handle, "ok": self.ok, "found": self.found,
                "checked": {"rows": self.rows, "blobs": self.blobs, "archives": self.archives}}


@dataclass(frozen=True)
class _Needles:
    handle: str
    canaries: tuple[str, ...]

    def in_text(self, text: str) -> list[str]:
        found = [f"canary {c!r}" for c in self.canaries if c in text]
        stripped = text.strip()
        if stripped[:1] in ("{", "[") and len(stripped) < 50_000_000:
            try:
                return found + self.in_json(json.loads(stripped))
            except ValueError:
                pass
        return found + (["handle"] if normalize_handle(text) == self.handle else [])

    def in_json(self, value: Any) -> list[str]:
        """The handle as a whole string of a JSON value (keys included); canaries are looked for in the text."""
        if any(normalize_handle(s) == self.handle for s in _strings(value)):
            return ["handle"]
        return []

    def in_value(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return self.in_text(value)
        if isinstance(value, bytes | memoryview):
            return self.in_text(bytes(value).decode("utf-8", "replace"))
        if isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False)
            return [f"canary {c!r}" for c in self.canaries if c in text] + self.in_json(value)
        return []


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, v in value.items():
            yield str(key)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _scan_database(name: str, conn: Connection, needles: _Needles, audit: DeletionAudit) -> None:
    """Every row of every table the database holds (read from the database itself, so a table the
    code no longer declares is read too)."""
    tables = MetaData()
    tables.reflect(bind=conn)
    for table_name, table in sorted(tables.tables.items()):
        keys = [k.name for k in table.primary_key.columns]
        for row in conn.execute(select(table).execution_options(yield_per=1000)):
            audit.rows += 1
            for column, value in row._mapping.items():
                for what in needles.in_value(value):
                    where = ", ".join(f"{k}={row._mapping[k]}" for k in keys)
                    audit.found.append(f"{name} database: {table_name}.{column} ({where}): {what}")


def _archive_members(region: Region, key: str) -> Iterator[tuple[str, bytes]]:
    path = region.blobs.local_path(key)
    with tempfile.TemporaryDirectory(prefix="havre-audit-") as tmp:
        if path is None:  # an S3 store: the whole archive, to read its directory
            path = Path(tmp) / "archive.zip"
            region.blobs.download(key, path)
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)


def _scan_member(name: str, data: bytes, needles: _Needles) -> list[str]:
    if name.endswith(".json"):
        return needles.in_text(data.decode("utf-8", "replace"))
    text = data.decode("utf-8", "replace")
    return [f"canary {c!r}" for c in needles.canaries if c in text]


def _scan_blobs(region: Region, needles: _Needles, audit: DeletionAudit) -> None:
    store = region.blobs
    for key in store.keys():
        audit.blobs += 1
        kind = blob_keys.kind_of(key)
        where = f"{region.name} blob {key}"
        if kind is not None and kind[0] in ARCHIVE_KINDS:
            audit.archives += 1
            try:
                for member, data in _archive_members(region, key):
                    audit.found += [f"{where} ({member}): {what}" for what in _scan_member(member, data, needles)]
                continue
            except zipfile.BadZipFile:  # not a zip after all: read as it is
                pass
        elif not key.endswith(TEXT_SUFFIXES):
            continue
        text = store.get_bytes(key).decode("utf-8", "replace")
        audit.found += [f"{where}: canary {c!r}" for c in needles.canaries if c in text]


def audit_deletion(regions: Regions, handle: str, canaries: Iterable[str] = ()) -> DeletionAudit:
    """Where ``handle`` (as a whole value) or any canary (anywhere in a text) is still found.
    For an account that is gone: the caller checks that nobody holds the handle now."""
    handle = normalize_handle(handle)
    wanted = [c for c in dict.fromkeys(canaries) if c.strip()]
    needles = _Needles(handle=handle, canaries=tuple(wanted))
    audit = DeletionAudit(handle=handle, canaries=wanted)
    for region in regions:
        with region.session() as s:
            _scan_database(region.name, s.connection(), needles, audit)
        _scan_blobs(region, needles, audit)
    with regions.directory.engine.connect() as conn:
        _scan_database("directory", conn, needles, audit)
    return audit
