"""'Where my data lives': a member moves their own data to another region, from Settings.

The password confirms it; then the verified move (``portability.move``) runs as a job in the
current home region. The move logs the person out and refuses logins until it is done (so posting
pauses), so the page follows it with a status token instead of the session: the token's SHA-256
is in the job's payload, and the status it opens says only the phase and the progress.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.accounts.service import AccountError, authenticate, lock_member
from havre.errors import N_, InvalidInput, NotFound
from havre.jobs import PermanentJobError, enqueue, handler
from havre.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from havre.portability import MOVE_JOB
from havre.portability.deletion_grace import WrongPassword, deletion_pending
from havre.portability.move import MoveError, move_user
from havre.regions import Regions
from havre.regions.gateway import Gateway, public_reader
from havre.regions.registry import carrying
from havre.regions.work import JobContext


@dataclass(frozen=True)
class MoveStatus:
    state: str  # "waiting" | "moving" | "done" | "failed"
    target: str
    progress: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "target": self.target, "progress": round(self.progress, 3), "error": self.error}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_move(regions: Regions, user: User, *, target: str, password: str, client: str) -> str:
    """Check the password and the target, queue the move; returns the status token (shown once)."""
    home = regions.home_of_user(user.id)
    if home is None:
        raise NotFound(N_("There is no such account on this instance."))
    if target not in regions.names:
        raise InvalidInput(N_("This instance has no region %(region)s."), field="region", region=target)
    if target == home.name:
        raise InvalidInput(N_("Your data already lives in %(region)s."), field="region", region=target)
    secret = secrets.token_urlsafe(24)
    _refuse_if_deleting(regions, user.id)
    with home.session() as s:
        if _moving(regions, s, user.id):  # said before the password is checked (a slow hash)
            raise MoveError(N_("Your data is already moving; wait for that move to finish."))
        try:
            authenticate(s, handle=user.handle, password=password, client=client)
        except AccountError:  # only a password was asked: "wrong handle or password" would mislead
            raise WrongPassword() from None
        s.commit()
    with home.session() as s:
        lock_member(s, user.id)  # requests at once take turns: the second sees the first's job
        if _moving(regions, s, user.id):
            raise MoveError(N_("Your data is already moving; wait for that move to finish."))
        # Again under the lock: a deletion asked meanwhile (on another device) wins; the job checks once
        # more before it moves anything.
        _refuse_if_deleting(regions, user.id)
        enqueue(s, MOVE_JOB, {"user_id": user.id, "target": target, "status": _token_hash(secret)}, priority=10,
                max_attempts=10)
        s.commit()
    return f"{home.name}.{secret}"


def _refuse_if_deleting(regions: Regions, user_id: str) -> None:
    if deletion_pending(regions, user_id) is not None:
        raise MoveError(N_("Your account is to be deleted, so your data cannot move. Signing in again cancels "
                           "the deletion; then you can move your data."))


def _moving(regions: Regions, s: Session, user_id: str) -> bool:
    return regions.directory.pending_move(user_id) is not None or bool(_pending_jobs(s, user_id))


def _pending_jobs(s: Session, user_id: str) -> list[Job]:
    return [job for job in s.scalars(select(Job).where(Job.kind == MOVE_JOB, Job.status.in_((QUEUED, RUNNING))))
            if job.payload.get("user_id") == user_id]


@public_reader
def _progress(s: Session, token_hash: str) -> MoveStatus | None:
    """A move's state and progress by its token's hash: it names no one, so any region may ask."""
    for job in s.scalars(select(Job).where(Job.kind == MOVE_JOB)):
        if secrets.compare_digest(str(job.payload.get("status", "")), token_hash):
            state = {QUEUED: "waiting", RUNNING: "moving", DONE: "done", FAILED: "failed"}[job.status]
            error = N_("The move stopped; your data is safe where it was. Log in and try again.") \
                if job.status == FAILED else None
            return MoveStatus(state=state, target=str(job.payload["target"]), progress=job.progress, error=error)
    return None


def move_status(gw: Gateway, token: str) -> MoveStatus:
    """Where a self-service move stands, by its status token (``REGION.SECRET``: the job is in the
    region the data left)."""
    name, _, secret = token.partition(".")
    found = gw.read(gw.regions.get(name), _progress, _token_hash(secret)) if name in gw.regions.names else None
    if found is None:
        raise NotFound(N_("There is no such move."))
    return found


@handler(MOVE_JOB)
def run_move(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The verified move; an interrupted one resumes on the next attempt (the runner retries), as
    ``havre users move`` does when run again."""
    handle = ctx.regions.directory.handles_of([payload["user_id"]]).get(payload["user_id"])
    if handle is None:
        return  # the account is gone
    if deletion_pending(ctx.regions, payload["user_id"]) is not None:
        # Its deletion was asked after the move was: the deletion wins, and a later retry must not
        # move the data once a sign-in cancels it (the person asks again then).
        raise PermanentJobError("the account's deletion was asked; the move is not made")
    total = 1

    def on_files(count: int) -> None:
        nonlocal total
        total = max(count, 1)

    done = 0

    def on_file(key: str) -> None:
        nonlocal done
        done += 1
        ctx.report_progress(0.1 + 0.85 * done / total)  # rows first, then files, then the switch

    ctx.report_progress(0.05)
    with carrying(ctx.region.name, payload["target"]):
        move_user(ctx.regions, handle, payload["target"], on_files=on_files, on_file=on_file)
    with ctx.region.session() as s:  # the region it left keeps no trace of who moved: only the status token
        s.execute(update(Job).where(Job.id == ctx.job_id).values(
            payload={"target": payload["target"], "status": payload["status"]}))
        s.commit()
