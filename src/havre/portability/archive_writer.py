"""Write a person's Havre archive: every row they own, their files, and what others hold about them.

The archive is a zip written as it goes (``zipfile`` streams each member through ``ZipFile.open``),
so memory stays flat whatever the size of the videos. What it holds is derived from the ownership
declarations (``db.ownership``, ``blobs.keys``): a table or blob kind added later is exported, or
``tests/portability`` fails. The layout is docs/export-format.md; ``imports.havre_archive`` reads it.

- ``data/<table>.json``: the person's rows of every table they own (secret columns left out:
  password and session token hashes), JSON arrays of objects;
- ``data/audit.json``: the audit entries about their data (other regions' reads included);
- ``data/following.json``: who they follow, by handle (ids mean nothing to another instance);
- ``data/comments_on_my_videos.json`` and ``data/followers.json``: read from every region through
  the gateway (audited there), since other people's rows live in those people's home regions;
- ``files/``: the avatar, each video's original upload and its subtitle tracks;
- ``manifest.json`` last: format, version, instance, user, time, counts, and each file's size and SHA-256.

The ``data/`` members come first: a deletion reads an archive only that far to learn whether it
names the deleted person (``portability.deletion_copies``), without reading the videos.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from havre.accounts.follows import followers_of
from havre.accounts.models import Follow, User
from havre.blobs import keys
from havre.db.base import utcnow
from havre.db.ownership import Owned, owned_tables
from havre.imports.havre_archive import AVATAR, FORMAT, MANIFEST, VERSION, data_name, original_name, subtitle_name
from havre.portability.tables import metadata
from havre.regions import Region, Regions, audit
from havre.regions.gateway import Gateway
from havre.social.service import comments_on_videos
from havre.videos.models import Video

CHUNK = 1 << 20
# Tables exported row by row: the person's own, whether a move copies them or ends them (sessions).
# "audit" rows are exported as the entries they point to (data/audit.json).
EXPORTED: list[tuple[Table, Owned]] = owned_tables(metadata, on_move=("copy", "end"))
# Which kinds of files go in, and why the others do not (a test checks every kind is here).
FILES_IN = {"original": "files/videos/<video>/original<ext>", "avatar": AVATAR,
            "video_file": "subtitle tracks only: files/videos/<video>/subtitles/<lang>.vtt"}
FILES_LEFT_OUT = {
    "video_file": "renditions, HLS segments and posters: made again from the original by whoever imports it",
    "import_source": "an uploaded TikTok export, kept only until its import has read it: the person has it",
    "export": "earlier archives of this same data",
    "recs_model": "the region's recommender, learned from many people: nobody's to take",
    "recs_shared": "item pairs another region's viewers (at least k of them each) watched together: nobody's",
}
Progress = Callable[[int, int], None]


@dataclass
class ExportReport:
    user_id: str
    handle: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes_written: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "handle": self.handle, "counts": self.counts, "files": self.files,
                "bytes": self.bytes_written}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def exported_columns(table: Table) -> list[str]:
    """Every column but secrets: a password or session token hash would let its holder in."""
    return [c.name for c in table.columns if c.info.get("data_class") != "sensitive"]


class _ZipWriter:
    """Members written one at a time, each hashed as it streams; the manifest lists them all."""

    def __init__(self, sink: IO[bytes], when: datetime) -> None:
        self._zip = zipfile.ZipFile(sink, "w", allowZip64=True)
        self._when = when.timetuple()[:6]
        self.files: list[dict[str, Any]] = []

    def stream(self, name: str, chunks: Iterable[bytes], *, compress: bool) -> int:
        info = zipfile.ZipInfo(name, date_time=self._when)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        digest, size = hashlib.sha256(), 0
        with self._zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.files.append({"path": name, "size": size, "sha256": digest.hexdigest()})
        return size

    def rows(self, name: str, rows: Iterable[dict[str, Any]]) -> int:
        """A JSON array written row by row; returns how many rows."""
        count = 0

        def chunks() -> Iterator[bytes]:
            nonlocal count
            yield b"["
            for row in rows:
                yield (b",\n" if count else b"\n") + json.dumps(row, ensure_ascii=False, default=str).encode()
                count += 1
            yield b"\n]\n"
        self.stream(name, chunks(), compress=True)
        return count

    def close(self, manifest: dict[str, Any]) -> None:
        data = json.dumps({**manifest, "files": self.files}, indent=2, ensure_ascii=False).encode()
        with self._zip.open(zipfile.ZipInfo(MANIFEST, date_time=self._when), "w") as out:
            out.write(data)
        self._zip.close()


def _table_rows(s: Session, table: Table, owner: Owned, user_id: str, video_ids: list[str]) -> Iterator[dict[str, Any]]:
    column = table.c[owner.column]
    where = column == user_id if owner.via == "user" else column.in_(video_ids)
    columns = [table.c[name] for name in exported_columns(table)]
    query = select(*columns).where(where).order_by(*table.primary_key.columns)
    for row in s.execute(query.execution_options(yield_per=500)):
        yield {k: _jsonable(v) for k, v in row._mapping.items()}


def _audit_rows(s: Session, user_id: str) -> Iterator[dict[str, Any]]:
    for e in audit.entries_about(s, user_id):
        yield {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
               "from_region": e.from_region, "purpose": e.purpose, "details": e.details}


def _blob_chunks(region: Region, key: str) -> Iterator[bytes]:
    with region.blobs.open(key) as src:
        while chunk := src.read(CHUNK):
            yield chunk


def write_archive(regions: Regions, user_id: str, sink: IO[bytes], *, instance: str,
                  on_progress: Progress = lambda done, total: None) -> ExportReport:
    """Write ``user_id``'s archive into ``sink`` (a file open for writing); reads their home region,
    and every region for the comments on their videos and their followers."""
    home = regions.home_of_user(user_id)
    if home is None:
        raise LookupError(user_id)
    now = utcnow()
    writer = _ZipWriter(sink, now)
    gateway = Gateway(regions, home=home, actor=f"{home.name}:export")
    with home.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        report = ExportReport(user_id=user.id, handle=user.handle)
        videos = list(s.execute(select(Video.id, Video.original_key, Video.original_name, Video.subtitle_langs)
                                .where(Video.owner_id == user_id).order_by(Video.created_at, Video.id)))
        video_ids = [v.id for v in videos]
        files = [(AVATAR, user.avatar_key)] if user.avatar_key and home.blobs.exists(user.avatar_key) else []
        for v in videos:
            suffix = PurePosixPath(v.original_name or "").suffix.lower()[:8]
            files.append((original_name(v.id, suffix if suffix[1:].isalnum() else ""), v.original_key))
            files += [(subtitle_name(v.id, lang), keys.video_file(v.id, f"subtitles/{lang}.vtt"))
                      for lang in v.subtitle_langs or ()]
        total = len(EXPORTED) + 4 + len(files)
        done = 0
        for table, owner in EXPORTED:
            report.counts[table.name] = writer.rows(data_name(table.name), _table_rows(s, table, owner, user_id,
                                                                                          video_ids))
            done += 1
            on_progress(done, total)
        report.counts["audit"] = writer.rows(data_name("audit"), _audit_rows(s, user_id))
        follows = list(s.execute(select(Follow.followee_id, Follow.created_at).where(Follow.follower_id == user_id)
                                 .order_by(Follow.created_at)))
    handles = regions.directory.handles_of(f.followee_id for f in follows)
    report.counts["following"] = writer.rows(data_name("following"), (
        {"handle": handles[f.followee_id], "since": f.created_at.isoformat()} for f in follows
        if f.followee_id in handles))
    comments = [c for _, found in gateway.read_all(comments_on_videos, video_ids) for c in found]
    report.counts["comments_on_my_videos"] = writer.rows(data_name("comments_on_my_videos"),
                                                         sorted(comments, key=lambda c: (c["created_at"], c["id"])))
    followers = [f for _, found in gateway.read_all(followers_of, user_id) for f in found]
    report.counts["followers"] = writer.rows(data_name("followers"), sorted(followers, key=lambda f: f["since"]))
    done += 4
    on_progress(done, total)
    for name, key in files:
        report.bytes_written += writer.stream(name, _blob_chunks(home, key), compress=False)
        report.files += 1
        done += 1
        on_progress(done, total)
    writer.close({"format": FORMAT, "version": VERSION, "instance": instance, "created_at": now.isoformat(),
                  "user": {"id": user_id, "handle": report.handle, "home_region": home.name},
                  "counts": report.counts})
    return report


def export_to_file(regions: Regions, user_id: str, out: Path, *, instance: str,
                   on_progress: Progress = lambda done, total: None) -> ExportReport:
    """Write the archive to ``out``; a failure leaves no file (it is written beside, then renamed)."""
    partial = out.with_name(out.name + ".partial")
    try:
        with open(partial, "wb") as sink:
            report = write_archive(regions, user_id, sink, instance=instance, on_progress=on_progress)
        partial.replace(out)
        return report
    finally:
        partial.unlink(missing_ok=True)
