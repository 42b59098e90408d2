"""Asking for a deletion: the grace period, its cancellation, and the deletion's own job row.

``request_deletion`` (the person, with their password) or ``schedule_deletion`` (the operator)
sets ``users.delete_after`` and logs the person out everywhere; logging in before that date
cancels it (``accounts.signin.log_in``), as ``cancel_deletion`` does for the operator. Once it has
passed, logins are refused and ``queue_due_deletions`` queues the deletion (``portability.deletion``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from havre.accounts import service as accounts
from havre.accounts.models import User
from havre.accounts.signin import AccountBeingDeleted, cancel_pending_deletion
from havre.db.base import utcnow
from havre.db.ownership import owned_tables
from havre.errors import N_, Forbidden, HavreError, NotFound
from havre.jobs import enqueue
from havre.jobs.models import FAILED, QUEUED, RUNNING, Job
from havre.portability import DELETE_ACCOUNT_JOB
from havre.portability.tables import metadata
from havre.regions import Region, Regions
from havre.videos.models import Video

MAX_ATTEMPTS = 20
LEASE = timedelta(seconds=60)
RETRY_AFTER = timedelta(seconds=60)


class DeletionError(HavreError):
    status_code = 409


class WrongPassword(Forbidden):
    def __init__(self) -> None:
        super().__init__(N_("That is not your password; your account was not changed."), field="password")


class AlreadyDeleted(NotFound):
    def __init__(self) -> None:
        super().__init__(N_("This account does not exist, or was already deleted."))


class BeingDeleted(DeletionError):
    def __init__(self, handle: str) -> None:
        super().__init__(N_("@%(handle)s is already being deleted."), handle=handle)


class DeletionBusy(DeletionError):
    retry_after_s = 60

    def __init__(self) -> None:
        super().__init__(N_("Some videos of this account are being processed; the deletion goes on in a minute."))


def home_of(regions: Regions, user_id: str) -> Region:
    home = regions.home_of_user(user_id)
    if home is None:
        raise AlreadyDeleted()
    return home


def _start_grace(s: Session, user: User, grace: timedelta) -> datetime:
    now = utcnow()
    if user.delete_after is not None and user.delete_after <= now:
        raise BeingDeleted(user.handle)
    if user.delete_after is None:  # asked again: the first date stands
        user.delete_after = now + grace
    # Logged out everywhere: logging in again is the explicit way to cancel.
    for table, owner in owned_tables(metadata, on_move=("end",)):
        s.execute(delete(table).where(table.c[owner.column] == user.id))
    when = user.delete_after
    s.commit()
    return when


def request_deletion(regions: Regions, user_id: str, password: str, *, grace: timedelta,
                     client: str = "settings") -> datetime:
    """The person asks to delete their account: checked with their password (throttled as logins are,
    ``client`` being their address); logs them out everywhere. Returns when it will be deleted."""
    home = home_of(regions, user_id)
    with home.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise AlreadyDeleted()
        try:
            accounts.authenticate(s, handle=user.handle, password=password, client=client)
        except accounts.AccountError:
            raise WrongPassword() from None
        return _start_grace(s, user, grace)


def schedule_deletion(regions: Regions, user_id: str, *, grace: timedelta) -> datetime:
    """The operator's version of ``request_deletion``: no password."""
    with home_of(regions, user_id).session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise AlreadyDeleted()
        return _start_grace(s, user, grace)


def cancel_deletion(regions: Regions, user_id: str) -> bool:
    """End a deletion's grace period (a login does it too); False if none was requested."""
    with home_of(regions, user_id).session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise AlreadyDeleted()
        try:
            cancelled = cancel_pending_deletion(s, user)
        except AccountBeingDeleted:
            raise BeingDeleted(user.handle) from None
        s.commit()
        return cancelled


def deletion_started(regions: Regions, user_id: str) -> bool:
    """Whether the account's grace period is over (it is being deleted): nothing cancels it now."""
    home = regions.home_of_user(user_id)
    if home is None:
        return False
    with home.session() as s:
        when = s.scalar(select(User.delete_after).where(User.id == user_id))
        return (when is not None and when <= utcnow()) or s.get(Job, claim_id(user_id)) is not None


def deletion_pending(regions: Regions, user_id: str) -> datetime | None:
    """When the account is to be deleted, if its deletion was asked (in its grace period or
    started); None otherwise. A move must not start then (``portability.move``)."""
    home = regions.home_of_user(user_id)
    if home is None:
        return None
    with home.session() as s:
        when = s.scalar(select(User.delete_after).where(User.id == user_id))
        if when is None and s.get(Job, claim_id(user_id)) is not None:
            return utcnow()  # `havre users delete --now` is under way
        return when


def claim_id(user_id: str) -> str:
    """The id of the job row that is the account's deletion (one per account)."""
    return "del-" + hashlib.sha256(user_id.encode()).hexdigest()[:12]


def fresh_state(s: Session, user_id: str, handle: str) -> dict[str, Any]:
    videos = sorted(s.scalars(select(Video.id).where(Video.owner_id == user_id)))
    return {"user_id": user_id, "handle": handle, "video_ids": videos, "done": [], "report": {}}


def queue_due_deletions(region: Region, regions: Regions) -> int:
    """Queue the deletion of each account of ``region`` whose grace period is over, and drop the job
    row of a deletion that ended just before removing it. Returns how many were queued."""
    now = utcnow()
    with region.session() as s:
        leftovers = [job_id for job_id, payload, status, until in s.execute(
            select(Job.id, Job.payload, Job.status, Job.locked_until).where(Job.kind == DELETE_ACCOUNT_JOB))
            if regions.directory.region_of_user(str((payload or {}).get("user_id"))) is None
            and not (status == RUNNING and until is not None and until > now)]
        s.execute(delete(Job).where(Job.id.in_(leftovers)))
        s.commit()
        due = list(s.execute(select(User.id, User.handle).where(User.delete_after <= now)))
    queued = 0
    for user_id, handle in due:
        with region.session() as s:
            if s.get(Job, claim_id(user_id)) is not None:
                continue
            job = enqueue(s, DELETE_ACCOUNT_JOB, fresh_state(s, user_id, handle), priority=20,
                          max_attempts=MAX_ATTEMPTS)
            job.id = claim_id(user_id)
            try:
                s.commit()
                queued += 1
            except IntegrityError:  # claimed meanwhile (the CLI, another runner)
                s.rollback()
    return queued


# -- the deletion's job row: one claim, one runner at a time -------------------------------------

def deletion_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:deletion"


def claim(regions: Regions, home: Region, user_id: str, holder: str | None) -> dict[str, Any]:
    """The deletion's state, its row claimed by ``holder`` (None: the job runner holds it already)."""
    cid, now = claim_id(user_id), utcnow()
    with home.session() as s:
        if holder is None:
            job = s.get(Job, cid)
            if job is None:
                raise AlreadyDeleted()
            payload = {"done": [], "report": {}, "video_ids": [], "handle": "", **job.payload}
            return {**payload, "resumed": bool(payload["done"])}
        handle = s.scalar(select(User.handle).where(User.id == user_id)) or \
            regions.directory.handles_of([user_id]).get(user_id, "")
        state = fresh_state(s, user_id, handle)
        s.add(Job(id=cid, kind=DELETE_ACCOUNT_JOB, payload=state, status=RUNNING, locked_by=holder,
                  locked_until=now + LEASE, attempts=1, max_attempts=MAX_ATTEMPTS, priority=20))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
        else:
            if regions.directory.region_of_user(user_id) is None:  # deleted just before this claim
                s.execute(delete(Job).where(Job.id == cid))
                s.commit()
                raise AlreadyDeleted()
            return {**state, "resumed": False}
        claimable = or_(Job.status.in_((QUEUED, FAILED)), Job.locked_until < now)
        taken = s.execute(update(Job).where(Job.id == cid, claimable)
                          .values(status=RUNNING, locked_by=holder, locked_until=now + LEASE,
                                  attempts=Job.attempts + 1))
        s.commit()
        job = s.get(Job, cid, populate_existing=True)
        if cast("CursorResult[Any]", taken).rowcount != 1 or job is None:
            raise BeingDeleted(handle)
        return {**job.payload, "resumed": True}


@contextmanager
def leased(home: Region, cid: str, holder: str | None) -> Iterator[None]:
    """Renew the claim's lease while the deletion runs (the runner renews its own); release it on failure."""
    if holder is None:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(LEASE.total_seconds() / 3):
            try:
                with home.session() as s:
                    s.execute(update(Job).where(Job.id == cid, Job.locked_by == holder)
                              .values(locked_until=utcnow() + LEASE))
                    s.commit()
            except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                pass

    thread = threading.Thread(target=beat, name="havre-deletion-lease", daemon=True)
    thread.start()
    try:
        yield
    except BaseException as exc:
        stop.set()
        thread.join()
        with home.session() as s:  # the runner takes it up again in a minute, unless rerun sooner
            s.execute(update(Job).where(Job.id == cid, Job.locked_by == holder).values(
                status=QUEUED, locked_by=None, locked_until=None, run_after=utcnow() + RETRY_AFTER,
                last_error=f"{type(exc).__name__}: {exc}"[:1000]))
            s.commit()
        raise
    finally:
        stop.set()
        thread.join()
