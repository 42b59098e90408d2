"""The residency audit log: append-only and hash-chained, one chain per region.

Each entry records who read or moved whose personal data, from which region, and why. Entry N
stores the hash of entry N-1; changing, removing or reordering any entry breaks every hash after
it, which ``verify_chain`` reports. (The gateway and operator tools of the residency work write
here; this module only keeps the chain.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
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
    subject_user_id: Mapped[str | None] = mapped_column(String(16), info=PERSONAL)
    from_region: Mapped[str | None] = mapped_column(String(32), info=OPERATIONAL)
    purpose: Mapped[str] = mapped_column(String(256), info=OPERATIONAL)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)
    prev_hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)
    hash: Mapped[str] = mapped_column(String(64), info=OPERATIONAL)


def _digest(prev_hash: str, *, seq: int, at: datetime, actor: str, action: str, subject_user_id: str | None,
            from_region: str | None, purpose: str, details: dict[str, Any]) -> str:
    # Canonical JSON (sorted keys, no spaces, UTC ISO time): the same entry always hashes the same.
    body = json.dumps({"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
                       "subject": subject_user_id, "from": from_region, "purpose": purpose, "details": details},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(s: Session, *, actor: str, action: str, purpose: str, subject_user_id: str | None = None,
           from_region: str | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry in the caller's transaction (so the audit and the access commit together)."""
    last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = utcnow()
    details = details or {}
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, subject_user_id=subject_user_id,
                       from_region=from_region, purpose=purpose, details=details, prev_hash=prev,
                       hash=_digest(prev, seq=seq, at=at, actor=actor, action=action,
                                    subject_user_id=subject_user_id, from_region=from_region,
                                    purpose=purpose, details=details))
    s.add(entry)
    s.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(s: Session) -> list[ChainProblem]:
    """Every entry whose content, position or link does not match the chain; [] when intact."""
    problems: list[ChainProblem] = []
    prev, expected_seq = GENESIS, 1
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if e.seq != expected_seq:
            problems.append(ChainProblem(e.seq, f"entries {expected_seq}..{e.seq - 1} are missing"))
        if e.prev_hash != prev:
            problems.append(ChainProblem(e.seq, "does not follow the previous entry"))
        digest = _digest(e.prev_hash, seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                         subject_user_id=e.subject_user_id, from_region=e.from_region, purpose=e.purpose,
                         details=e.details)
        if digest != e.hash:
            problems.append(ChainProblem(e.seq, "its content was changed after it was written"))
        prev, expected_seq = e.hash, e.seq + 1
    return problems
