"""The residency audit log: append-only and hash-chained, one chain per region.

Each entry records who read or moved whose personal data, from which region, and why. Entry N
stores the hash of entry N-1; changing, removing or reordering any entry breaks every hash after
it, which ``verify_chain`` reports.

The people an entry is about are kept apart, in ``audit_subjects`` (their id and a random salt);
the chained entry holds only commitments, sha256(salt + id). When a person moves to another
region or is deleted, their ``audit_subjects`` rows go and the chain still verifies: what stays
names nobody, and nothing about them is left behind. For the same reason ``details`` never holds
ids of people or of their content, only counts and labels.

Appends are safe under concurrency (threads, processes, PostgreSQL workers): ``record`` first
bumps the single ``audit_head`` row, which takes the database's write lock on SQLite and the row
lock on PostgreSQL until the transaction ends, so two appends can never read the same head. The
head also records the last entry's hash, so cutting entries off the end is detected too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, CursorResult, Integer, String, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, utcnow
from havre.db.ownership import owned

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    # The position in the chain; unique, so two concurrent appends cannot both take it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=OPERATIONAL)
    # A region and whether a member or a visitor asked ("eu:member"), or a staff operator: never a user.
    actor: Mapped[str] = mapped_column(String(128), info=OPERATIONAL)
    action: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    # sha256(salt + id) of each person it is about (see AuditSubject), sorted.
    subject_commitments: Mapped[list[str]] = mapped_column(JSON, default=list, info=OPERATIONAL)
    from_region: Mapped[str | None] = mapped_column(String(32), info=OPERATIONAL)
    purpose: Mapped[str] = mapped_column(String(256), info=OPERATIONAL)
    # Counts and labels only: ids of people or their content go to audit_subjects.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=OPERATIONAL)
    prev_hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)


class AuditSubject(Base):
    """Who an audit entry is about: erasable without breaking the chain (see the module doc)."""

    __tablename__ = "audit_subjects"
    __table_args__ = {"info": owned("user_id", on_move="audit", note="who an audit entry is about (erasable)")}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(String(16), primary_key=True, index=True, info=PERSONAL)
    salt: Mapped[str] = mapped_column(String(32), info=PERSONAL)


class AuditHead(Base):
    """The chain's head: one row, locked by every append (see the module doc)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    seq: Mapped[int] = mapped_column(Integer, info=OPERATIONAL)
    hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)


HEAD_ID = 1


def commitment(salt: str, user_id: str) -> str:
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()


def _digest(prev_hash: str, *, seq: int, at: datetime, actor: str, action: str, subject_commitments: list[str],
            from_region: str | None, purpose: str, details: dict[str, Any]) -> str:
    # Canonical JSON (sorted keys, no spaces, UTC ISO time): the same entry always hashes the same.
    body = json.dumps({"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
                       "subjects": subject_commitments, "from": from_region, "purpose": purpose,
                       "details": details}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(s: Session, *, actor: str, action: str, purpose: str, subject_user_id: str | None = None,
           subjects: Iterable[str] = (), from_region: str | None = None,
           details: dict[str, Any] | None = None) -> int:
    """Append an entry in the caller's transaction (so the audit and the access commit together);
    its position in the chain.

    ``subject_user_id`` / ``subjects``: the people whose data was read or moved.
    """
    seq, prev = _take_next_position(s)
    at = utcnow()
    details = details or {}
    people = sorted(set(subjects) | ({subject_user_id} if subject_user_id else set()))
    salts = {user_id: secrets.token_hex(16) for user_id in people}
    committed = sorted(commitment(salt, user_id) for user_id, salt in salts.items())
    digest = _digest(prev, seq=seq, at=at, actor=actor, action=action, subject_commitments=committed,
                     from_region=from_region, purpose=purpose, details=details)
    # Prepared Core statements, not the unit of work: an append is on every crossing request's path.
    s.execute(_INSERT_ENTRY, {"seq": seq, "at": at, "actor": actor, "action": action,
                              "subject_commitments": committed, "from_region": from_region, "purpose": purpose,
                              "details": details, "prev_hash": prev, "hash": digest})
    if salts:
        s.execute(_INSERT_SUBJECT, [{"seq": seq, "user_id": user_id, "salt": salt} for user_id, salt in salts.items()])
    s.execute(_SET_HEAD_HASH, {"new_hash": digest})
    return seq


def hold_chain(s: Session) -> None:
    """Lock the chain's head until ``s`` ends, as an append does: writers that must not interleave
    (two copies of one file arriving at once) take it first, and the crossing's entry, appended in
    the same transaction, follows."""
    s.execute(_HOLD_HEAD)


_HEAD = cast(Table, AuditHead.__table__)
_BUMP_HEAD = (update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq + 1)
              .returning(_HEAD.c.seq, _HEAD.c.hash))
_HOLD_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(hash=bindparam("new_hash"))
_INSERT_ENTRY = insert(cast(Table, AuditEntry.__table__))
_INSERT_SUBJECT = insert(cast(Table, AuditSubject.__table__))


def _take_next_position(s: Session) -> tuple[int, str]:
    """Lock the head and advance it: (this entry's seq, the previous entry's hash).

    The UPDATE comes first so the lock is held before the head is read; the row is created on a
    chain's first append (the migration creates it too) from whatever entries already exist.
    """
    head = s.execute(_BUMP_HEAD).first()
    if head is None:
        last = s.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev = (last.seq if last else 0) + 1, (last.hash if last else GENESIS)
        s.execute(insert(_HEAD).values(id=HEAD_ID, seq=seq, hash=prev))
        return seq, prev
    return head.seq, head.hash


def entries_about(s: Session, user_id: str) -> list[AuditEntry]:
    seqs = select(AuditSubject.seq).where(AuditSubject.user_id == user_id)
    return list(s.scalars(select(AuditEntry).where(AuditEntry.seq.in_(seqs)).order_by(AuditEntry.seq)))


def forget_subject(s: Session, user_id: str) -> int:
    """Erase who the entries about ``user_id`` were about; the chain still verifies. Returns how many."""
    result = cast("CursorResult[Any]", s.execute(delete(AuditSubject).where(AuditSubject.user_id == user_id)))
    return result.rowcount


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(s: Session) -> list[ChainProblem]:
    """Every entry whose content, position or link does not match the chain; [] when intact."""
    problems: list[ChainProblem] = []
    subjects: dict[int, list[AuditSubject]] = {}
    for a in s.scalars(select(AuditSubject)):
        subjects.setdefault(a.seq, []).append(a)
    prev, expected_seq = GENESIS, 1
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if e.seq != expected_seq:
            problems.append(ChainProblem(e.seq, f"entries {expected_seq}..{e.seq - 1} are missing"))
        if e.prev_hash != prev:
            problems.append(ChainProblem(e.seq, "does not follow the previous entry"))
        digest = _digest(e.prev_hash, seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                         subject_commitments=e.subject_commitments, from_region=e.from_region, purpose=e.purpose,
                         details=e.details)
        if digest != e.hash:
            problems.append(ChainProblem(e.seq, "its content was changed after it was written"))
        if any(commitment(a.salt, a.user_id) not in e.subject_commitments for a in subjects.get(e.seq, [])):
            problems.append(ChainProblem(e.seq, "the person it is about was changed"))
        prev, expected_seq = e.hash, e.seq + 1
    head = s.get(AuditHead, HEAD_ID)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        problems.append(ChainProblem(head.seq, f"the head names entry {head.seq} but the chain ends at "
                                               f"{expected_seq - 1}: entries were removed from its end"))
    return problems
