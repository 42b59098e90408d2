"""Copies of a deleted member's data that other members hold: import reports and archives.

Two places keep other people's data on purpose, for the member they belong to:
- an import of a Havre archive keeps, read-only, the comments others wrote on the importer's
  videos (``import_runs.extras["archived_comments"]``) and the handles the archive followed
  (``following``, ``following_here``, ``follows_made``);
- an archive of "Download my data" (``exports/USER/ID.zip``, kept 7 days) holds the comments on its
  owner's videos, who follows them and whom they follow, by handle, and the owner's import reports.

``forget_copies`` takes a deleted member out of them in every region, once the member's own rows are
gone (the deletion's "copies" step, through the gateway: an aggregate writer that carries only the
handle and public ids, and sends nothing back but counts):
1. the ready archives are read (only their ``data/`` members, streamed: not the videos) and those
   naming the member are noted;
2. every archive being built is sent back to the queue: its build becomes ready only by a
   conditional update from "running", so it drops what it wrote and builds again from what remains
   (``portability.export_requests``);
3. archives that became ready between 1 and 2 are read too; every noted archive is deleted and
   queued to be built again for its owner (an expired one is deleted, as the hourly sweep would);
4. every entry naming the member is taken out of every import report.
An archive finishing at the same moment is thus either sent back by 2 or read by 1 or 3.

An entry names the member when it holds one of their ids (account, videos, comments), as a value
or as a blob key, or their handle as a list item or under ``author`` / ``handle``.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from havre.accounts.service import normalize_handle
from havre.blobs import BlobNotFound
from havre.blobs import keys as blob_keys
from havre.db.base import utcnow
from havre.imports.models import ImportRun
from havre.jobs import enqueue
from havre.portability import BUILD_EXPORT_JOB, export_requests
from havre.portability.deletion_elsewhere import rowcount
from havre.portability.models import DataExport
from havre.regions import Region
from havre.regions.gateway import aggregate_writer, note_subjects

HANDLE_KEYS = frozenset({"author", "handle"})
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # a zip member's local header, up to its name and extra field
_LOCAL_SIGNATURE = 0x04034B50
_ZIP64 = 0xFFFFFFFF


@dataclass(frozen=True)
class Forgotten:
    """Who was deleted, as copies name them: a handle and public ids (no text of theirs is kept)."""

    handle: str
    ids: frozenset[str]

    def is_handle(self, text: str) -> bool:
        return normalize_handle(text) == self.handle

    def is_id(self, text: str) -> bool:
        owner = blob_keys.owner_of(text)
        return text in self.ids or (owner is not None and owner[1] in self.ids)

    def named_in(self, value: Any) -> bool:
        """Whether a value standing as an entry of a list names them: a bare string then may be
        their handle (a list of handles followed), besides what ``names`` finds."""
        if isinstance(value, str):
            return self.is_id(value) or self.is_handle(value)
        return self.names(value)

    def names(self, value: Any) -> bool:
        """Whether a JSON value names them: an id anywhere, the handle under a handle's key or as a
        list item (a bare string elsewhere is someone's words, not a reference)."""
        if isinstance(value, str):
            return self.is_id(value)
        if isinstance(value, dict):
            return any((key in HANDLE_KEYS and isinstance(v, str) and self.is_handle(v)) or self.names(v)
                       for key, v in value.items())
        if isinstance(value, list):
            return any(self.named_in(v) if isinstance(v, str) else self.names(v) for v in value)
        return False

    def without(self, value: Any) -> Any:
        """``value`` with every list entry that names them taken out."""
        if isinstance(value, dict):
            return {key: self.without(v) for key, v in value.items()}
        if isinstance(value, list):
            return [self.without(v) for v in value if not (self.named_in(v) if isinstance(v, str) else self.names(v))]
        return value


# -- reading an archive's data without its videos ------------------------------------------------

def _read(stream: IO[bytes], n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            raise ValueError("the archive ends in the middle of a member")
        data += chunk
    return bytes(data)


def _skip(stream: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = stream.read(min(n, 1 << 20))
        if not chunk:
            raise ValueError("the archive ends in the middle of a member")
        n -= len(chunk)


def _zip64_size(extra: bytes, usize: int, csize: int) -> int:
    """The compressed size from a ZIP64 extra field (sizes past 4 GiB, or ``force_zip64``)."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        if tag == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if usize == _ZIP64:
                values.pop(0)
            if csize == _ZIP64 and values:
                return int(values[0])
        at += 4 + length
    raise ValueError("a ZIP64 member without its sizes")


class Member:
    """A member's data: the next ``size`` bytes of the archive's stream."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream, self.left = stream, size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = _read(self._stream, n) if n else b""
        self.left -= len(data)
        return data


def zip_members(stream: IO[bytes]) -> Iterator[tuple[str, Member, int]]:
    """Each member of a zip read front to back, without seeking (an object of an S3 store is read
    once, only as far as the caller goes): its name, its data (still compressed), and
    its compression method. What the caller leaves unread of a member is skipped. Members whose
    size the header does not say (written to a stream) raise ValueError: Havre's archives are
    written to a file, and the callers take an unreadable archive as one that names everyone."""
    while True:
        head = stream.read(_LOCAL.size)
        if len(head) < _LOCAL.size or _LOCAL.unpack(head)[0] != _LOCAL_SIGNATURE:
            return  # the central directory: no member follows
        _, _, flags, _, _, _, _, csize, usize, name_len, extra_len = _LOCAL.unpack(head)
        name = _read(stream, name_len).decode("utf-8" if flags & 0x800 else "cp437")
        extra = _read(stream, extra_len)
        if flags & 0x9:  # encrypted, or sizes in a descriptor after the data
            raise ValueError(f"{name}: not a member this reader follows")
        size = _zip64_size(extra, usize, csize) if csize == _ZIP64 else csize
        member = Member(stream, size)
        yield name, member, _LOCAL.unpack(head)[3]
        _skip(stream, member.left)


def member_bytes(member: Member, method: int) -> bytes:
    """A member's content: stored, or deflated (what ``zipfile`` writes)."""
    data = member.read()
    if method == 0:
        return data
    if method == 8:
        return zlib.decompress(data, -15)
    raise ValueError(f"compression method {method} is not read here")


def archive_data(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The JSON sections of a Havre archive (``data/*.json``), which come before its files."""
    for name, member, method in zip_members(stream):
        if not name.startswith("data/"):
            return  # files and the manifest follow the data (``portability.archive_writer``): not read
        yield name, json.loads(member_bytes(member, method))


def archive_names(region: Region, key: str, forgotten: Forgotten) -> bool:
    """Whether the archive at ``key`` names them; True also when it cannot be read (built again then)."""
    try:
        with region.blobs.open(key) as stream:
            return any(forgotten.named_in(section) for _, section in archive_data(stream))
    except (BlobNotFound, ValueError, zlib.error, UnicodeDecodeError):
        return True


# -- the step ---------------------------------------------------------------------------------------

def _naming(region: Region, s: Session, forgotten: Forgotten, deleted: str, seen: set[str]) -> set[str]:
    """The ready archives not looked at yet (``seen`` grows) that name them."""
    ready = list(s.execute(select(DataExport.id, DataExport.user_id).where(
        DataExport.status == export_requests.READY, DataExport.user_id != deleted)))
    found = set()
    for export_id, owner in ready:
        if export_id not in seen:
            seen.add(export_id)
            if archive_names(region, blob_keys.export_archive(owner, export_id), forgotten):
                found.add(export_id)
    return found


def _rebuild(region: Region, s: Session, export_ids: set[str]) -> list[str]:
    """Delete these archives and queue them to be built again (an expired one just goes); returns whose."""
    owners = []
    now = utcnow()
    for export in s.scalars(select(DataExport).where(DataExport.id.in_(sorted(export_ids)),
                                                     DataExport.status == export_requests.READY)):
        # The file goes before the commit: a build queued here cannot have written it yet.
        region.blobs.delete(blob_keys.export_archive(export.user_id, export.id))
        owners.append(export.user_id)
        if export.expires_at is not None and export.expires_at < now:
            s.execute(delete(DataExport).where(DataExport.id == export.id))
            continue
        export.status, export.done, export.total, export.size_bytes = export_requests.QUEUED, 0, 0, 0
        export.finished_at = export.expires_at = None
        enqueue(s, BUILD_EXPORT_JOB, {"export_id": export.id}, priority=20)
    return owners


def _scrub_imports(s: Session, forgotten: Forgotten) -> list[str]:
    """Take every entry naming them out of the import reports; returns whose reports changed."""
    owners = []
    for run_id, owner, extras in s.execute(select(ImportRun.id, ImportRun.user_id, ImportRun.extras)):
        if extras and forgotten.names(extras):
            s.execute(update(ImportRun).where(ImportRun.id == run_id).values(extras=forgotten.without(extras)))
            owners.append(owner)
    return owners


@aggregate_writer
def forget_copies(s: Session, region: Region, handle: str, ids: list[str], *, deleted: str) -> dict[str, int]:
    """Take a deleted member out of other members' import reports and archives (handle and public ids only)."""
    forgotten = Forgotten(handle=normalize_handle(handle), ids=frozenset(ids))
    found: Counter[str] = Counter()
    seen: set[str] = set()
    naming = _naming(region, s, forgotten, deleted, seen)  # read first: nothing locked while archives are read
    found["archives_restarted"] = rowcount(s.execute(
        update(DataExport).where(DataExport.status == export_requests.RUNNING, DataExport.user_id != deleted)
        .values(status=export_requests.QUEUED, done=0)))
    naming |= _naming(region, s, forgotten, deleted, seen)  # ready between the first look and the update
    rebuilt = _rebuild(region, s, naming)
    found["archives_rebuilt"] = len(rebuilt)
    scrubbed = _scrub_imports(s, forgotten)
    found["import_reports"] = len(scrubbed)
    note_subjects(rebuilt + scrubbed)  # whose records this changed: the crossing's audit entry says so
    return {name: n for name, n in found.items() if n}
