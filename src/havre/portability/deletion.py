"""Deleting an account: a grace period, then everything personal removed from every store.

``request_deletion`` (the person, with their password) or ``schedule_deletion`` (the operator)
sets ``users.delete_after`` and logs the person out everywhere; logging in before that date
cancels it (``accounts.signin.log_in``). Once it has passed, logins are refused, the scheduled
job (``accounts.delete_due``) queues ``accounts.delete``, and ``delete_account`` removes, in order:

1. hide: the account is marked as being deleted, its sessions end and its videos turn private;
2. jobs: the home region's jobs naming the person or their videos (refused while one is running);
3. directory: their videos leave the global directory (nobody reaches them any more);
4. elsewhere: in every region, through the gateway (``forget_deleted_account``): follows of them,
   likes, comments, marks, feed events and For You lists about their videos, jobs naming them,
   and who the audit entries were about;
5. files: originals, renditions, posters, subtitles, avatar, import sources, exports;
6. rows: every table they own rows of (``owned_tables``, children first), in one transaction with
   the corrections of the counts their likes, comments, shares and follows added elsewhere;
7. sweep: step 4 and 5 again, for what requests in flight wrote meanwhile;
8. models: each region's recommender is trained again and no older version is kept;
9. forget: the directory forgets them, then the deletion's own job row; then SQLite is scrubbed.

The deletion is itself a job row in the home region (id ``claim_id``): whoever runs it (the
runner, the CLI, the web) claims that row with a lease, so one deletion runs at a time; its
payload records the steps done, so an interrupted deletion resumes where it stopped. Every
step can run twice: the counts are corrected in the transaction that deletes the rows they
counted, and pushed to other regions exactly once by the outbox (``social.counters``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from havre.accounts import service as accounts
from havre.accounts.models import Follow, User
from havre.accounts.signin import AccountBeingDeleted, cancel_pending_deletion
from havre.blobs import BlobNotFound
from havre.blobs import keys as blob_keys
from havre.db.base import utcnow
from havre.db.ownership import Owned, owned_tables
from havre.errors import N_, Forbidden, HavreError, NotFound
from havre.feed.lists import FeedList
from havre.jobs import enqueue
from havre.jobs.models import FAILED, QUEUED, RUNNING, Job
from havre.recs.events import FeedEvent
from havre.recs.signals import VideoSignals
from havre.regions import Region, Regions, audit, serving_region
from havre.regions.gateway import Gateway, aggregate_writer
from havre.schema import metadata
from havre.social.counters import count_follower, count_for_video
from havre.social.marks import SHARE
from havre.social.models import Comment, CountMark, Like
from havre.social.service import forget_followee_rows, forget_video_rows
from havre.videos.models import PRIVATE_VIS, Video

DELETE_KIND = "accounts.delete"
RETRAIN_KIND = "recs.retrain_after_deletion"
# Every table whose rows are a person's, parents first (deleted in reverse), as each declares it:
# a table added later is deleted without a change here (tests/portability/test_ownership.py).
ERASED: list[tuple[Table, Owned]] = owned_tables(metadata)
STEPS = ("hide", "jobs", "directory", "elsewhere", "files", "rows", "sweep", "models", "forget", "scrub")
LEASE = timedelta(seconds=60)
RETRY_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 20
CHUNK = 500


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


@dataclass
class DeletionReport:
    handle: str
    user_id: str
    region: str
    resumed: bool = False
    rows: dict[str, int] = field(default_factory=dict)  # in the home region, per table
    elsewhere: dict[str, dict[str, int]] = field(default_factory=dict)  # per region: other people's rows about them
    files: int = 0
    bytes_deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # likes, comments, shares, follows taken back
    models: dict[str, str | None] = field(default_factory=dict)  # per region: the version trained anew (None: none)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the grace period ----------------------------------------------------------------------

def _home(regions: Regions, user_id: str) -> Region:
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
    home = _home(regions, user_id)
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
    with _home(regions, user_id).session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise AlreadyDeleted()
        return _start_grace(s, user, grace)


def cancel_deletion(regions: Regions, user_id: str) -> bool:
    """End a deletion's grace period (a login does it too); False if none was requested."""
    with _home(regions, user_id).session() as s:
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
    """Whether the account's grace period is over (it is being deleted): a move must not start."""
    home = regions.home_of_user(user_id)
    if home is None:
        return False
    with home.session() as s:
        when = s.scalar(select(User.delete_after).where(User.id == user_id))
        return (when is not None and when <= utcnow()) or s.get(Job, claim_id(user_id)) is not None


def claim_id(user_id: str) -> str:
    """The id of the job row that is the account's deletion (one per account)."""
    return "del-" + hashlib.sha256(user_id.encode()).hexdigest()[:12]


def _fresh_state(s: Session, user_id: str, handle: str) -> dict[str, Any]:
    videos = sorted(s.scalars(select(Video.id).where(Video.owner_id == user_id)))
    return {"user_id": user_id, "handle": handle, "video_ids": videos, "done": [], "report": {}}


def queue_due_deletions(region: Region, regions: Regions) -> int:
    """Queue the deletion of each account of ``region`` whose grace period is over, and drop the job
    row of a deletion that ended just before removing it. Returns how many were queued."""
    now = utcnow()
    with region.session() as s:
        leftovers = [job_id for job_id, payload, status, until in s.execute(
            select(Job.id, Job.payload, Job.status, Job.locked_until).where(Job.kind == DELETE_KIND))
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
            job = enqueue(s, DELETE_KIND, _fresh_state(s, user_id, handle), priority=20, max_attempts=MAX_ATTEMPTS)
            job.id = claim_id(user_id)
            try:
                s.commit()
                queued += 1
            except IntegrityError:  # claimed meanwhile (the CLI, another runner)
                s.rollback()
    return queued


# -- what other regions hold about them ------------------------------------------------------

def _strings(value: Any) -> set[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def _names_any(value: Any, names: set[str]) -> bool:
    """Whether a JSON value names any of ``names``: as a string of its own, or as the owner of a blob key."""
    for text in _strings(value):
        owner = blob_keys.owner_of(text)
        if text in names or (owner is not None and owner[1] in names):
            return True
    return False


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _rowcount(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def drop_jobs_naming(s: Session, names: set[str], *, keep: str, spare_running: bool = False) -> tuple[int, int]:
    """Delete the jobs whose payload names any of ``names`` (a batch of per-video sums only loses
    those videos); ``spare_running`` leaves jobs running under a live lease. Returns (dropped, spared)."""
    now, dropped, spared = utcnow(), 0, 0
    rows = s.execute(select(Job.id, Job.payload, Job.status, Job.locked_until).where(Job.id != keep)).all()
    for job_id, payload, status, until in rows:
        if not _names_any(payload, names):
            continue
        if spare_running and status == RUNNING and until is not None and until > now:
            spared += 1
            continue
        deltas = payload.get("deltas") if isinstance(payload, dict) else None
        if status == QUEUED and isinstance(deltas, dict):
            rest = {**payload, "deltas": {k: v for k, v in deltas.items() if k not in names}}
            if rest["deltas"] and not _names_any(rest, names):
                s.execute(update(Job).where(Job.id == job_id).values(payload=rest))
                dropped += 1
                continue
        s.execute(delete(Job).where(Job.id == job_id))
        dropped += 1
    return dropped, spared


@aggregate_writer
def forget_deleted_account(s: Session, user_id: str, video_ids: list[str], *, keep_job: str,
                           retrain: bool) -> dict[str, int]:
    """Drop this region's rows about a deleted account and its videos (only their public ids travel)."""
    found: Counter[str] = Counter()
    for chunk in _chunks(video_ids):
        found["likes"] += s.scalar(select(func.count()).select_from(Like).where(Like.video_id.in_(chunk))) or 0
        found["comments"] += s.scalar(select(func.count()).select_from(Comment)
                                      .where(Comment.video_id.in_(chunk))) or 0
        found["feed_events"] += _rowcount(s.execute(delete(FeedEvent).where(FeedEvent.video_id.in_(chunk))))
    for video_id in video_ids:  # likes, comments and count marks: what deleting one video drops
        forget_video_rows(s, video_id)
    ids = set(video_ids)
    # A For You list is a cache of ranked ids (kept 6 hours): one naming their videos starts again.
    stale = [list_id for list_id, items, served in s.execute(select(FeedList.id, FeedList.items, FeedList.served))
             if _strings(items) & ids or _strings(served) & ids]
    found["feed_lists"] = _rowcount(s.execute(delete(FeedList).where(FeedList.id.in_(stale)))) if stale else 0
    found["follows"] = forget_followee_rows(s, user_id)
    found["jobs"] = drop_jobs_naming(s, ids | {user_id}, keep=keep_job)[0]
    found["audit_subjects"] = audit.forget_subject(s, user_id)
    if retrain and s.scalar(select(Job.id).where(Job.kind == RETRAIN_KIND, Job.status == QUEUED).limit(1)) is None:
        enqueue(s, RETRAIN_KIND, {}, priority=30)  # their ids may be items of this region's model
    return {name: n for name, n in found.items() if n}


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


# -- the deletion ------------------------------------------------------------------------------

def _may_open(region: Region) -> bool:
    """Whether this work may use ``region``'s stores itself (the CLI may; a job only its own)."""
    return serving_region() in (None, region.name)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:deletion"


@dataclass
class _Deletion:
    regions: Regions
    home: Region
    state: dict[str, Any]
    report: DeletionReport
    on_step: Callable[[str], None]

    @property
    def user_id(self) -> str:
        return str(self.state["user_id"])

    @property
    def video_ids(self) -> list[str]:
        return list(self.state["video_ids"])

    @property
    def cid(self) -> str:
        return claim_id(self.user_id)

    def run(self) -> DeletionReport:
        for step in STEPS:
            self.on_step(step)
            if step in self.state["done"]:
                continue
            getattr(self, step)()
            if step in ("forget", "scrub"):  # the deletion's row is gone: nothing left to resume
                continue
            with self.home.session() as s:
                self._save(s, done=step)
                s.commit()
        return self.report

    def _save(self, s: Session, *, done: str) -> None:
        if done not in self.state["done"]:
            self.state["done"].append(done)
        self.state["report"] = asdict(self.report)
        s.execute(update(Job).where(Job.id == self.cid).values(payload=dict(self.state)))

    def _where(self, table: Table, owner: Owned) -> Any:
        column = table.c[owner.column]
        return column == self.user_id if owner.via == "user" else column.in_(self.video_ids)

    def _note_videos(self, s: Session) -> None:
        current = s.scalars(select(Video.id).where(Video.owner_id == self.user_id))
        self.state["video_ids"] = sorted(set(self.video_ids) | set(current))  # an upload in flight

    def _add(self, into: dict[str, int], name: str, n: int) -> None:
        if n:
            into[name] = into.get(name, 0) + n

    def hide(self) -> None:
        now = utcnow()
        with self.home.session() as s:
            user = s.get(User, self.user_id)
            if user is not None and (user.delete_after is None or user.delete_after > now):
                user.delete_after = now  # logins are refused from now on
            for table, owner in owned_tables(metadata, on_move=("end",)):
                self._add(self.report.rows, table.name, _rowcount(s.execute(delete(table).where(
                    self._where(table, owner)))))
            s.execute(update(Video).where(Video.owner_id == self.user_id).values(visibility=PRIVATE_VIS))
            self._note_videos(s)
            s.commit()

    def jobs(self) -> None:
        with self.home.session() as s:
            dropped, running = drop_jobs_naming(s, set(self.video_ids) | {self.user_id}, keep=self.cid,
                                                spare_running=True)
            s.commit()
        self._add(self.report.rows, "jobs", dropped)
        if running:  # a transcode would write files behind the deletion's back
            raise DeletionBusy()

    def directory(self) -> None:
        for video_id in self.video_ids:
            self.regions.directory.forget_video(video_id)

    def elsewhere(self, *, final: bool = False) -> None:
        gateway = Gateway(self.regions, home=self.home, actor=f"{self.home.name}:deletion")
        for region in self.regions:
            found = gateway.write_aggregate(region, forget_deleted_account, self.user_id, self.video_ids,
                                            keep_job=self.cid, retrain=final and not _may_open(region))
            into = self.report.elsewhere.setdefault(region.name, {})
            for name, n in found.items():
                self._add(into, name, n)

    def files(self) -> None:
        store = self.home.blobs
        for key in blob_keys.keys_of(store, self.user_id, self.video_ids):
            try:
                size = store.size(key)
            except BlobNotFound:
                continue
            store.delete(key)
            self.report.files += 1
            self.report.bytes_deleted += size
        # A local store keeps the folders named by their ids otherwise.
        folders = {blob_keys.video_prefix(v) for v in self.video_ids}
        folders |= {key.rsplit("/", 1)[0] + "/" for key in (blob_keys.import_source(self.user_id, "x"),
                                                             blob_keys.export_archive(self.user_id, "x"))}
        for folder in sorted(folders):
            store.delete_prefix(folder)

    def rows(self) -> None:
        with self.home.session() as s:
            self._note_videos(s)
            self._take_back_counts(s)
            for table, owner in reversed(ERASED):
                self._add(self.report.rows, table.name, _rowcount(s.execute(delete(table).where(
                    self._where(table, owner)))))
            for chunk in _chunks(self.video_ids):  # their videos' anonymous sums (also a cascade)
                s.execute(delete(VideoSignals).where(VideoSignals.video_id.in_(chunk)))
            self._save(s, done="rows")  # with the rows: the counts taken back are reported once
            s.commit()

    def _take_back_counts(self, s: Session) -> None:
        """Delete their likes, comments, shares and follows, and correct what they counted, in the
        caller's transaction: a second run finds no rows and corrects nothing."""
        uid, own = self.user_id, set(self.video_ids)
        taken = {
            "likes": list(s.scalars(delete(Like).where(Like.user_id == uid).returning(Like.video_id))),
            "comments": list(s.scalars(delete(Comment).where(Comment.author_id == uid).returning(Comment.video_id))),
            "shares": list(s.scalars(delete(CountMark).where(CountMark.user_id == uid, CountMark.kind == SHARE)
                                     .returning(CountMark.video_id))),
        }
        followed = list(s.scalars(delete(Follow).where(Follow.follower_id == uid).returning(Follow.followee_id)))
        for table, ids in (("likes", taken["likes"]), ("comments", taken["comments"]),
                           ("count_marks", taken["shares"]), ("follows", followed)):
            self._add(self.report.rows, table, len(ids))
        deltas: dict[str, Counter[str]] = defaultdict(Counter)
        for name, video_ids in taken.items():
            for video_id in video_ids:
                if video_id not in own:  # their own videos go entirely
                    deltas[video_id][name] -= 1
        homes = self.regions.directory.regions_of_videos(deltas)
        for video_id, delta in deltas.items():
            if video_id in homes:  # a video deleted meanwhile has no count to correct
                count_for_video(s, self.home, self.regions.get(homes[video_id]), video_id, **delta)
                for name, step in delta.items():
                    self._add(self.report.counts, name, -step)
        creators = self.regions.directory.regions_of_users(followed)
        for creator_id in followed:
            if creator_id in creators:
                count_follower(s, self.home, self.regions.get(creators[creator_id]), creator_id, -1)
                self._add(self.report.counts, "followers", 1)

    def sweep(self) -> None:
        self.elsewhere(final=True)
        self.files()

    def models(self) -> None:
        for region in self.regions:
            if _may_open(region) and has_model(region):
                share = Gateway(self.regions, home=region, actor=f"{region.name}:deletion")
                self.report.models[region.name] = clean_models(region, share=share)

    def forget(self) -> None:
        for video_id in self.video_ids:
            self.regions.directory.forget_video(video_id)
        self.regions.directory.release_user(self.user_id)  # before the row: a second caller finds no account
        with self.home.session() as s:
            s.execute(delete(Job).where(Job.id == self.cid))
            s.commit()

    def scrub(self) -> None:
        for region in self.regions:
            if _may_open(region):
                region.scrub()
        directory = self.regions.directory.engine
        if directory.dialect.name == "sqlite":
            with directory.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _claim(regions: Regions, home: Region, user_id: str, holder: str | None) -> dict[str, Any]:
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
        state = _fresh_state(s, user_id, handle)
        s.add(Job(id=cid, kind=DELETE_KIND, payload=state, status=RUNNING, locked_by=holder,
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
        if _rowcount(taken) != 1 or job is None:
            raise BeingDeleted(handle)
        return {**job.payload, "resumed": True}


@contextmanager
def _leased(home: Region, cid: str, holder: str | None) -> Iterator[None]:
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


def delete_account(regions: Regions, user_id: str, *, on_step: Callable[[str], None] = lambda step: None,
                   claimed: bool = False) -> DeletionReport:
    """Delete everything personal of ``user_id`` from every store now, or finish a deletion that was
    interrupted. ``claimed``: the caller (the job runner) holds the deletion's job row already.

    Raises AlreadyDeleted, BeingDeleted (someone else is deleting it now), DeletionBusy (their
    videos are being processed: try again in a minute), DeletionError (the account is moving)."""
    home = _home(regions, user_id)
    if regions.directory.pending_move(user_id) is not None:
        raise DeletionError(N_("This account is moving to another region; finish the move before deleting it."))
    holder = None if claimed else _holder()
    state = _claim(regions, home, user_id, holder)
    report = DeletionReport(**{**state["report"], "handle": state["handle"], "user_id": user_id,
                               "region": home.name, "resumed": state.pop("resumed")})
    with _leased(home, claim_id(user_id), holder):
        return _Deletion(regions=regions, home=home, state=state, report=report, on_step=on_step).run()

