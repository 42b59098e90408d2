from __future__ import annotations

from sqlalchemy import delete, select, update

from havre.regions import Regions
from havre.regions.audit import (
    AuditEntry,
    AuditSubject,
    entries_about,
    forget_subject,
    record,
    verify_chain,
)


def _write_three(regions: Regions) -> None:
    with regions.default.session() as s:
        for i, action in enumerate(["gateway.read", "operator.read", "user.move"]):
            record(s, actor=f"operator:{i}", action=action, purpose="support ticket 42",
                   subject_user_id=f"user{i}", from_region="eu", details={"video": f"v{i}", "note": "é"})
        s.commit()


def test_an_untouched_chain_verifies(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        assert verify_chain(s) == []
        entries = s.query(AuditEntry).order_by(AuditEntry.seq).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash


def test_editing_an_entry_is_detected(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(purpose="nothing to see"))
        s.commit()
        problems = verify_chain(s)
    assert [(p.seq, p.problem) for p in problems] == [(2, "its content was changed after it was written")]


def test_removing_an_entry_is_detected(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        s.commit()
        problems = {(p.seq, p.problem) for p in verify_chain(s)}
    assert (3, "entries 2..2 are missing") in problems
    assert (3, "does not follow the previous entry") in problems


def test_rewriting_an_entry_and_its_hash_still_breaks_the_next_link(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        forged = s.get(AuditEntry, 1)
        assert forged is not None
        forged.actor = "someone else"
        from havre.regions.audit import _digest

        forged.hash = _digest(forged.prev_hash, seq=1, at=forged.at, actor=forged.actor, action=forged.action,
                              subject_commitments=forged.subject_commitments, from_region=forged.from_region,
                              purpose=forged.purpose, details=forged.details)
        s.commit()
        problems = [(p.seq, p.problem) for p in verify_chain(s)]
    assert problems == [(2, "does not follow the previous entry")]


def test_forgetting_who_an_entry_was_about_keeps_the_chain_valid(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        assert [e.seq for e in entries_about(s, "user1")] == [2]
        assert forget_subject(s, "user1") == 1
        s.commit()
        assert entries_about(s, "user1") == [] and verify_chain(s) == []
        assert "user1" not in str([(e.actor, e.details, e.subject_commitments) for e in s.scalars(select(AuditEntry))])


def test_pinning_an_entry_on_someone_else_is_detected(regions: Regions) -> None:
    _write_three(regions)
    with regions.default.session() as s:
        s.execute(update(AuditSubject).where(AuditSubject.seq == 2).values(user_id="user0"))
        s.commit()
        assert [(p.seq, p.problem) for p in verify_chain(s)] == [(2, "the person it is about was changed")]
