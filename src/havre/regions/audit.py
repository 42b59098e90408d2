"""The residency audit log: append-only and hash-chained, one chain per region.

Each entry records who read or moved whose personal data, from which region, and why. Entry N
stores the hash of entry N-1; changing, removing or reordering any entry breaks every hash after
it, which ``verify_chain`` reports.

The person an entry is about is kept apart, in ``audit_subjects`` (their id and a random salt);
the chained entry holds only a commitment, sha256(salt + id). When the person moves to another
region or is deleted, their ``audit_subjects`` rows go and the chain still verifies: what stays
names nobody, and nothing about them is left behind.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, Base, UTCDateTime, utcnow

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    # The position in the chain; unique, so two concurrent appends cannot both take it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=OPERATIONAL)
    actor: Mapped[str] = mapped_column(String(128), info=PERSONAL)
    action: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    # sha256(salt + subject id) of the person it is about (see AuditSubject); "" when nobody.
    subject_commitment: Mapped[str] = mapped_column(String(64), default="", info=OPERATIONAL)
    from_region: Mapped[str | None] = mapped_column(String(32), info=OPERATIONAL)
    purpose: Mapped[str] = mapped_column(String(256), info=OPERATIONAL)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)
    prev_hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)


class AuditSubject(Base):
    """Who an audit entry is about: erasable without breaking the chain (see the module doc)."""

    __tablename__ = "audit_subjects"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=OPERATIONAL)
    user_id: Mapped[str] = mapped_column(String(16), index=True, info=PERSONAL)
    salt: Mapped[str] = mapped_column(String(32), info=PERSONAL)


def commitment(salt: str, user_id: str) -> str:
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()


def _digest(prev_hash: str, *, seq: int, at: datetime, actor: str, action: str, subject_commitment: str,
            from_region: str | None, purpose: str, details: dict[str, Any]) -> str:
    # Canonical JSON (sorted keys, no spaces, UTC ISO time): the same entry always hashes the same.
    body = json.dumps({"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
                       "subject": subject_commitment, "from": from_region, "purpose": purpose,
                       "details": details}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(s: Session, *, actor: str, action: str, purpose: str, subject_user_id: str | None = None,
           from_region: str | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry in the caller's transaction (so the audit and the access commit together)."""
    last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = utcnow()
    details = details or {}
    committed = ""
    if subject_user_id is not None:
        salt = secrets.token_hex(16)
        committed = commitment(salt, subject_user_id)
        s.add(AuditSubject(seq=seq, user_id=subject_user_id, salt=salt))
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, subject_commitment=committed,
                       from_region=from_region, purpose=purpose, details=details, prev_hash=prev,
                       hash=_digest(prev, seq=seq, at=at, actor=actor, action=action, subject_commitment=committed,
                                    from_region=from_region, purpose=purpose, details=details))
    s.add(entry)
    s.flush()
    return entry


def entries_about(s: Session, user_id: str) -> list[AuditEntry]:
    seqs = select(AuditSubject.seq).where(AuditSubject.user_id == user_id)
    return list(s.scalars(select(AuditEntry).where(AuditEntry.seq.in_(seqs)).order_by(AuditEntry.seq)))


def forget_subject(s: Session, user_id: str) -> int:
    """Erase who the entries about ``user_id`` were about; the chain still verifies. Returns how many."""
    return s.execute(delete(AuditSubject).where(AuditSubject.user_id == user_id)).rowcount  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(s: Session) -> list[ChainProblem]:
    """Every entry whose content, position or link does not match the chain; [] when intact."""
    problems: list[ChainProblem] = []
    subjects = {a.seq: a for a in s.scalars(select(AuditSubject))}
    prev, expected_seq = GENESIS, 1
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if e.seq != expected_seq:
            problems.append(ChainProblem(e.seq, f"entries {expected_seq}..{e.seq - 1} are missing"))
        if e.prev_hash != prev:
            problems.append(ChainProblem(e.seq, "does not follow the previous entry"))
        digest = _digest(e.prev_hash, seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                         subject_commitment=e.subject_commitment, from_region=e.from_region, purpose=e.purpose,
                         details=e.details)
        if digest != e.hash:
            problems.append(ChainProblem(e.seq, "its content was changed after it was written"))
        subject = subjects.get(e.seq)
        if subject is not None and commitment(subject.salt, subject.user_id) != e.subject_commitment:
            problems.append(ChainProblem(e.seq, "the person it is about was changed"))
        prev, expected_seq = e.hash, e.seq + 1
    return problems
