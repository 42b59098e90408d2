"""Move a user to another region: verified copy, switch, then delete from the old region.

Each step can be interrupted and run again (``havre users move`` resumes from the directory's
``pending_moves`` row):
1. copy: log the user out everywhere, copy every row they own into the target (one transaction,
   replacing any partial copy), their audit history (as "history.moved_in" entries), then every
   file (skipping those already there with the same size), and verify counts, sizes and the
   originals' SHA-256;
2. switch: the directory points the user and their videos at the target, in one transaction;
3. delete: the source drops every row and file of the user and forgets who its audit entries were
   about (the chain still verifies); the pending move is removed.
Logins are refused while a move is pending, so nothing is written behind the copy's back.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from havre.accounts.service import normalize_handle
from havre.blobs import keys as blob_keys
from havre.db.ownership import Owned, owned_tables
from havre.errors import N_, HavreError, InvalidInput, NotFound
from havre.jobs.models import QUEUED, RUNNING, Job
from havre.portability.deletion_grace import deletion_pending, deletion_started
from havre.portability.tables import metadata
from havre.regions import Region, Regions, audit
from havre.regions.changes import VIDEOS, announce
from havre.regions.directory import PendingMove
from havre.videos.models import Video

# What a move copies: every table whose rows are a person's and go with them ("copy"), parents
# first, as each table declares it (``db.ownership``).
COPIED: list[tuple[Table, Owned]] = owned_tables(metadata, on_move=("copy",))


class MoveError(HavreError):
    status_code = 409


@dataclass
class MoveReport:
    handle: str
    source: str
    target: str
    resumed: bool
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes_copied: int = 0
    history_entries: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"handle": self.handle, "from": self.source, "to": self.target, "resumed": self.resumed,
                "rows": self.rows, "files": self.files, "bytes_copied": self.bytes_copied,
                "history_entries": self.history_entries}


def _where(table: Table, owner: Owned, user_id: str, video_ids: list[str]) -> Any:
    column = table.c[owner.column]
    return column == user_id if owner.via == "user" else column.in_(video_ids)


def _surrogate_key(table: Table) -> str | None:
    """An integer key the database assigns (renditions, watch events): the target assigns its own."""
    keys = list(table.primary_key.columns)
    return keys[0].name if len(keys) == 1 and keys[0].autoincrement is True else None


def _video_ids(s: Session, user_id: str) -> list[str]:
    return list(s.scalars(select(Video.id).where(Video.owner_id == user_id)))


def _their_jobs(s: Session, video_ids: list[str], *, pending_only: bool = True) -> list[Job]:
    query = select(Job).where(Job.status.in_((QUEUED, RUNNING))) if pending_only else select(Job)
    return [j for j in s.scalars(query) if (j.payload or {}).get("video_id") in set(video_ids)]


def _blob_keys(region: Region, user_id: str, video_ids: list[str]) -> list[str]:
    return blob_keys.keys_of(region.blobs, user_id, video_ids)


def _copy_rows(source: Region, target: Region, user_id: str, report: MoveReport) -> list[str]:
    """Replace whatever a previous attempt left in the target with a fresh copy, in one transaction."""
    with source.session() as src:
        video_ids = _video_ids(src, user_id)
        if any(j.status == RUNNING for j in _their_jobs(src, video_ids)):
            raise MoveError(N_("Some videos of this account are being processed; run the move again in a minute."))
        for table, owner in owned_tables(metadata, on_move=("end",)):  # logged out everywhere
            src.execute(delete(table).where(_where(table, owner, user_id, video_ids)))
        src.commit()
        rows = {}
        for table, owner in COPIED:
            skip = _surrogate_key(table)
            rows[table.name] = [{k: v for k, v in r._mapping.items() if k != skip}
                                for r in src.execute(select(table).where(_where(table, owner, user_id, video_ids)))]
        rows["users"] = [{**r, "home_region": target.name} for r in rows["users"]]
        jobs = [{"kind": j.kind, "payload": j.payload, "priority": j.priority, "run_after": j.run_after}
                for j in _their_jobs(src, video_ids)]
        history = [(e.actor, e.from_region, e.purpose, e.seq, first_happened(e, source.name))
                   for e in audit.entries_about(src, user_id)]
    with target.session() as dst:
        for table, owner in reversed(COPIED):
            dst.execute(delete(table).where(_where(table, owner, user_id, video_ids)))
        for table, _ in COPIED:
            if rows[table.name]:
                dst.execute(insert(table), rows[table.name])
            report.rows[table.name] = len(rows[table.name])
        for job in jobs:
            dst.add(Job(**job))
        already = {e.details.get("source_seq") for e in audit.entries_about(dst, user_id)
                   if e.action == "history.moved_in" and e.details.get("source") == source.name}
        for actor, from_region, purpose, seq, first in history:
            if seq not in already:
                audit.record(dst, actor=actor, action="history.moved_in", purpose=purpose, subject_user_id=user_id,
                             from_region=from_region, details={"source": source.name, "source_seq": seq,
                                                               **first.as_details()})
                report.history_entries += 1
        announce(dst, VIDEOS)  # the person's videos are this region's now
        dst.commit()
    return video_ids


@dataclass(frozen=True)
class Happened:
    """What an audit entry about a person first recorded, however many moves copied it since:
    its action, when, and the region that was their home then."""

    action: str
    at: datetime
    home: str

    def as_details(self) -> dict[str, str]:
        return {"action": self.action, "at": self.at.isoformat(), "home": self.home}


def first_happened(entry: audit.AuditEntry, home: str) -> Happened:
    """``entry`` as it first happened; ``home``: the region whose log holds it. A move copies an
    entry as "history.moved_in" at the time of the move: its details keep the original."""
    if entry.action != "history.moved_in":
        return Happened(action=entry.action, at=entry.at, home=home)
    details = entry.details or {}
    when = details.get("at")
    return Happened(action=str(details.get("action", entry.action)),
                    at=datetime.fromisoformat(when) if isinstance(when, str) else entry.at,
                    # entries moved before "home" was kept: the region they were moved from
                    home=str(details.get("home") or details.get("source") or home))


def _copy_files(source: Region, target: Region, keys: list[str], report: MoveReport,
                on_file: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="havre-move-") as tmp:
        for key in keys:
            size = source.blobs.size(key)
            if not (target.blobs.exists(key) and target.blobs.size(key) == size):
                local = Path(tmp) / "blob"
                source.blobs.download(key, local)
                target.blobs.put_file(key, local)
                local.unlink()
                report.bytes_copied += size
            report.files += 1
            on_file(key)


def _verify(source: Region, target: Region, user_id: str, video_ids: list[str], keys: list[str]) -> None:
    with source.session() as src, target.session() as dst:
        for table, owner in COPIED:
            query = select(func.count()).select_from(table).where(_where(table, owner, user_id, video_ids))
            if src.scalar(query) != dst.scalar(query):
                raise MoveError(N_("The copy of %(table)s does not match; run the move again."), table=table.name)
        originals = {key: digest for key, digest in dst.execute(
            select(Video.original_key, Video.original_sha256).where(Video.owner_id == user_id))}
    for key in keys:
        if not target.blobs.exists(key) or target.blobs.size(key) != source.blobs.size(key):
            raise MoveError(N_("The copy of file %(key)s does not match; run the move again."), key=key)
        if key in originals and hashlib.sha256(target.blobs.get_bytes(key)).hexdigest() != originals[key]:
            raise MoveError(N_("The copy of file %(key)s does not match; run the move again."), key=key)


def _delete_source(source: Region, user_id: str, video_ids: list[str], keys: list[str]) -> None:
    with source.session() as src:
        for job in _their_jobs(src, video_ids, pending_only=False):  # pending ones were copied, the rest is history
            src.delete(job)
        for table, owner in reversed(owned_tables(metadata, on_move=("copy", "end"))):
            src.execute(delete(table).where(_where(table, owner, user_id, video_ids)))
        audit.forget_subject(src, user_id)  # the "audit" tables: the chain stays, the person goes
        announce(src, VIDEOS)  # and their videos are no longer here
        src.commit()
    for key in keys:
        source.blobs.delete(key)
    source.scrub()


def refuse_if_deleting(regions: Regions, user_id: str, handle: str) -> None:
    """A move and a deletion do not mix: an account whose deletion was asked (its grace period, or
    the deletion itself) does not move; cancelling the deletion comes first."""
    if deletion_started(regions, user_id):
        raise MoveError(N_("@%(handle)s is being deleted; it cannot move."), handle=handle)
    when = deletion_pending(regions, user_id)
    if when is not None:
        raise MoveError(N_("@%(handle)s is to be deleted after %(when)s, so it cannot move. Cancel the deletion "
                           "first (the person signs in, or `havre users cancel-deletion %(handle)s`), then move it."),
                        handle=handle, when=when.strftime("%Y-%m-%d %H:%M UTC"))


def move_user(regions: Regions, handle: str, target_name: str, *, on_files: Callable[[int], None] = lambda n: None,
              on_file: Callable[[str], None] = lambda key: None) -> MoveReport:
    """Move ``handle`` to ``target_name``; resumes a move that was interrupted."""
    target = regions.get(target_name)
    handle = normalize_handle(handle)
    home = regions.home_of_handle(handle)
    user_id = regions.directory.user_id_of_handle(handle)
    if home is None or user_id is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=handle)
    refuse_if_deleting(regions, user_id, handle)
    move: PendingMove | None = regions.directory.pending_move(user_id)
    if move is not None and move.target != target.name:
        raise MoveError(N_("@%(handle)s is already moving to %(region)s; finish that move first."),
                        handle=handle, region=move.target)
    if move is None:
        if home.name == target.name:
            raise InvalidInput(N_("@%(handle)s already lives in %(region)s."), handle=handle, region=target.name)
        move = regions.directory.start_move(user_id, source=home.name, target=target.name)
    source = regions.get(move.source)
    report = MoveReport(handle=handle, source=source.name, target=target.name, resumed=move.phase != "copy"
                        or _partial_copy_exists(target, user_id))
    if move.phase == "copy":
        video_ids = _copy_rows(source, target, user_id, report)
        keys = _blob_keys(source, user_id, video_ids)
        on_files(len(keys))
        _copy_files(source, target, keys, report, on_file)
        _verify(source, target, user_id, video_ids, keys)
        regions.directory.switch_home(user_id, target.name, video_ids)
    # The target holds the complete copy now; what to delete is read there (the source may be half-emptied).
    with target.session() as s:
        video_ids = _video_ids(s, user_id)
    _delete_source(source, user_id, video_ids, _blob_keys(source, user_id, video_ids))
    regions.directory.finish_move(user_id)
    return report


def _partial_copy_exists(target: Region, user_id: str) -> bool:
    with target.session() as s:
        return s.scalar(select(func.count()).select_from(metadata.tables["users"])
                        .where(metadata.tables["users"].c.id == user_id)) == 1
