"""Helpers of the deletion's steps in every region: the jobs that name a deleted account, and the
recommenders trained with its data (``clean_models`` trains a region's model again and keeps no
older version). The aggregate writer that uses them is ``deletion.forget_deleted_account``: it
stays there, the action its audit entries name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from havre.blobs import keys as blob_keys
from havre.db.base import utcnow
from havre.jobs.models import QUEUED, RUNNING, Job
from havre.regions import Region
from havre.regions.gateway import Gateway

CHUNK = 500


def json_strings(value: Any) -> set[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in json_strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in json_strings(v)}
    return set()


def names_any(value: Any, names: set[str]) -> bool:
    """Whether a JSON value names any of ``names``: as a string of its own, or as the owner of a blob key."""
    for text in json_strings(value):
        owner = blob_keys.owner_of(text)
        if text in names or (owner is not None and owner[1] in names):
            return True
    return False


def chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def rowcount(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def drop_jobs_naming(s: Session, names: set[str], *, keep: str, spare_running: bool = False) -> tuple[int, int]:
    """Delete the jobs whose payload names any of ``names`` (a batch of per-video sums only loses
    those videos); ``spare_running`` leaves jobs running under a live lease. Returns (dropped, spared)."""
    now, dropped, spared = utcnow(), 0, 0
    rows = s.execute(select(Job.id, Job.payload, Job.status, Job.locked_until).where(Job.id != keep)).all()
    for job_id, payload, status, until in rows:
        if not names_any(payload, names):
            continue
        if spare_running and status == RUNNING and until is not None and until > now:
            spared += 1
            continue
        deltas = payload.get("deltas") if isinstance(payload, dict) else None
        if status == QUEUED and isinstance(deltas, dict):
            rest = {**payload, "deltas": {k: v for k, v in deltas.items() if k not in names}}
            if rest["deltas"] and not names_any(rest, names):
                s.execute(update(Job).where(Job.id == job_id).values(payload=rest))
                dropped += 1
                continue
        s.execute(delete(Job).where(Job.id == job_id))
        dropped += 1
    return dropped, spared


def has_model(region: Region) -> bool:
    return any(_own_model_key(key) for key in region.blobs.keys("recs/"))


def _own_model_key(key: str) -> bool:
    """The region's own model and its name; not the pairs other regions shared (their sources
    replace those when they train again, after a deletion too)."""
    found = blob_keys.kind_of(key)
    return found is not None and found[0] == "recs_model"


def clean_models(region: Region, *, share: Gateway | None = None) -> str | None:
    """Train ``region``'s model again from what it holds now, and delete every other version (none is
    kept when there is too little to train on). With ``share``, the pairs it shared with other
    regions are replaced too (withdrawn when nothing is trained). Returns the version now in use."""
    # numpy and the trainer load only where a model is trained (as in recs.tasks), after the thread limit.
    from havre.recs.blas import limit_threads

    limit_threads()
    from havre.recs.live import train_region  # (deferred: see above)
    from havre.recs.sharing import withdraw

    version = train_region(region, share=share).version
    keep = {blob_keys.recs_current(), blob_keys.recs_model(version)} if version else set()
    store = region.blobs
    if version is None:
        store.delete(blob_keys.recs_current())  # first, so that no server looks for a version about to go
        if share is not None:
            withdraw(share)
    for key in list(store.keys("recs/")):
        if _own_model_key(key) and key not in keep:
            store.delete(key)
    return version
