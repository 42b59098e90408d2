"""Deleting an account: a grace period, then everything personal removed from every store.

``request_deletion`` (the person, with their password) or ``schedule_deletion`` (the operator)
sets ``users.delete_after`` and logs the person out everywhere; logging in before that date
cancels it (``accounts.signin.log_in``), as ``cancel_deletion`` does. Once it has passed, logins
are refused, the scheduled job (``portability.delete_due``) queues ``portability.delete_account``, and
``delete_account`` removes, in order:

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
8. copies: in every region, other members' import reports and "Download my data" archives that
   name them (``deletion_copies.forget_copies``: reports scrubbed, archives built again);
9. models: each region's recommender is trained again and no older version is kept;
10. forget: the directory forgets them, then the deletion's own job row; then SQLite is scrubbed.

The grace period and the deletion's job row are in ``deletion_grace``; the jobs naming them and
the models in ``deletion_elsewhere``; other members' copies in ``deletion_copies``.

The deletion is itself a job row in the home region (id ``claim_id``): whoever runs it (the
runner, the CLI, the web) claims that row with a lease, so one deletion runs at a time; its
payload records the steps done, so an interrupted deletion resumes where it stopped. Every
step can run twice: the counts are corrected in the transaction that deletes the rows they
counted, and pushed to other regions exactly once by the outbox (``social.counters``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from havre.accounts.models import Follow, User
from havre.blobs import BlobNotFound
from havre.blobs import keys as blob_keys
from havre.db.base import utcnow
from havre.db.ownership import Owned, owned_tables
from havre.errors import N_
from havre.feed.lists import FeedList
from havre.jobs import enqueue
from havre.jobs.models import QUEUED, Job
from havre.portability import RETRAIN_AFTER_DELETION_JOB
from havre.portability.deletion_copies import forget_copies
from havre.portability.deletion_elsewhere import (
    chunks,
    clean_models,
    drop_jobs_naming,
    has_model,
    json_strings,
    rowcount,
)
from havre.portability.deletion_grace import (
    AlreadyDeleted,
    BeingDeleted,
    DeletionBusy,
    DeletionError,
    WrongPassword,
    cancel_deletion,
    claim,
    claim_id,
    deletion_holder,
    deletion_pending,
    deletion_started,
    home_of,
    leased,
    queue_due_deletions,
    request_deletion,
    schedule_deletion,
)
from havre.portability.tables import metadata
from havre.recs.events import FeedEvent
from havre.recs.signals import VideoSignals
from havre.regions import Region, Regions, audit, serving_region
from havre.regions.changes import VIDEOS, announce
from havre.regions.gateway import Gateway, aggregate_writer
from havre.social.counters import count_follower, count_for_video
from havre.social.marks import SHARE
from havre.social.models import Comment, CountMark, Like
from havre.social.service import forget_followee_rows, forget_video_rows
from havre.videos.models import PRIVATE_VIS, Video

# The names this module has always offered (the web, the CLI, the jobs and the tests use them).
__all__ = [
    "ERASED", "STEPS", "AlreadyDeleted", "BeingDeleted", "DeletionBusy",
    "DeletionError", "DeletionReport", "WrongPassword", "cancel_deletion", "claim_id", "clean_models",
    "delete_account", "deletion_pending", "deletion_started", "drop_jobs_naming", "forget_copies",
    "forget_deleted_account", "has_model", "queue_due_deletions", "request_deletion", "schedule_deletion",
]

# Every table whose rows are a person's, parents first (deleted in reverse), as each declares it:
# a table added later is deleted without a change here (tests/portability/test_ownership.py).
ERASED: list[tuple[Table, Owned]] = owned_tables(metadata)
STEPS = ("hide", "jobs", "directory", "elsewhere", "files", "rows", "sweep", "copies", "models", "forget", "scrub")


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


# -- what other regions hold about them ------------------------------------------------------

@aggregate_writer
def forget_deleted_account(s: Session, user_id: str, video_ids: list[str], *, keep_job: str,
                           retrain: bool) -> dict[str, int]:
    """Drop this region's rows about a deleted account and its videos (only their public ids travel)."""
    found: Counter[str] = Counter()
    for chunk in chunks(video_ids):
        found["likes"] += s.scalar(select(func.count()).select_from(Like).where(Like.video_id.in_(chunk))) or 0
        found["comments"] += s.scalar(select(func.count()).select_from(Comment)
                                      .where(Comment.video_id.in_(chunk))) or 0
        found["feed_events"] += rowcount(s.execute(delete(FeedEvent).where(FeedEvent.video_id.in_(chunk))))
    for video_id in video_ids:  # likes, comments and count marks: what deleting one video drops
        forget_video_rows(s, video_id)
    ids = set(video_ids)
    # A For You list is a cache of ranked ids (kept 6 hours): one naming their videos starts again.
    stale = [list_id for list_id, items, served in s.execute(select(FeedList.id, FeedList.items, FeedList.served))
             if json_strings(items) & ids or json_strings(served) & ids]
    found["feed_lists"] = rowcount(s.execute(delete(FeedList).where(FeedList.id.in_(stale)))) if stale else 0
    found["follows"] = forget_followee_rows(s, user_id)
    found["jobs"] = drop_jobs_naming(s, ids | {user_id}, keep=keep_job)[0]
    found["audit_subjects"] = audit.forget_subject(s, user_id)
    queued = select(Job.id).where(Job.kind == RETRAIN_AFTER_DELETION_JOB, Job.status == QUEUED).limit(1)
    if retrain and s.scalar(queued) is None:
        enqueue(s, RETRAIN_AFTER_DELETION_JOB, {}, priority=30)  # their ids may be items of this region's model
    return {name: n for name, n in found.items() if n}


# -- the deletion ------------------------------------------------------------------------------

def _may_open(region: Region) -> bool:
    """Whether this work may use ``region``'s stores itself (the CLI may; a job only its own)."""
    return serving_region() in (None, region.name)


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
                self._add(self.report.rows, table.name, rowcount(s.execute(delete(table).where(
                    self._where(table, owner)))))
            s.execute(update(Video).where(Video.owner_id == self.user_id).values(visibility=PRIVATE_VIS))
            announce(s, VIDEOS)  # out of every feed of this process at once
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
                self._add(self.report.rows, table.name, rowcount(s.execute(delete(table).where(
                    self._where(table, owner)))))
            for chunk in chunks(self.video_ids):  # their videos' anonymous sums (also a cascade)
                s.execute(delete(VideoSignals).where(VideoSignals.video_id.in_(chunk)))
            self._save(s, done="rows")  # with the rows: the counts taken back are reported once
            s.commit()

    def _take_back_counts(self, s: Session) -> None:
        """Delete their likes, comments, shares and follows, and correct what they counted, in the
        caller's transaction: a second run finds no rows and corrects nothing."""
        uid, own = self.user_id, set(self.video_ids)
        taken = {
            "likes": list(s.scalars(delete(Like).where(Like.user_id == uid).returning(Like.video_id))),
            "comments": [],
            "shares": list(s.scalars(delete(CountMark).where(CountMark.user_id == uid, CountMark.kind == SHARE)
                                     .returning(CountMark.video_id))),
        }
        comments = list(s.execute(delete(Comment).where(Comment.author_id == uid)
                                  .returning(Comment.video_id, Comment.id)))
        taken["comments"] = [video_id for video_id, _ in comments]
        # Their comments' ids, saved with these rows: copies of the comments elsewhere are found by them
        # (the "copies" step), after the text itself is gone.
        self.state["comment_ids"] = sorted(set(self.state.get("comment_ids", [])) | {c for _, c in comments})
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

    def copies(self) -> None:
        """Other members' import reports and archives that name them (``deletion_copies``)."""
        gateway = Gateway(self.regions, home=self.home, actor=f"{self.home.name}:deletion")
        ids = sorted({self.user_id, *self.video_ids, *self.state.get("comment_ids", [])})
        for region in self.regions:
            found = gateway.write_aggregate(region, forget_copies, region, str(self.state["handle"]), ids,
                                            deleted=self.user_id)
            into = self.report.elsewhere.setdefault(region.name, {})
            for name, n in found.items():
                self._add(into, name, n)

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


def delete_account(regions: Regions, user_id: str, *, on_step: Callable[[str], None] = lambda step: None,
                   claimed: bool = False) -> DeletionReport:
    """Delete everything personal of ``user_id`` from every store now, or finish a deletion that was
    interrupted. ``claimed``: the caller (the job runner) holds the deletion's job row already.

    Raises AlreadyDeleted, BeingDeleted (someone else is deleting it now), DeletionBusy (their
    videos are being processed: try again in a minute), DeletionError (the account is moving)."""
    home = home_of(regions, user_id)
    if regions.directory.pending_move(user_id) is not None:
        raise DeletionError(N_("This account is moving to another region; finish the move before deleting it."))
    holder = None if claimed else deletion_holder()
    state = claim(regions, home, user_id, holder)
    report = DeletionReport(**{**state["report"], "handle": state["handle"], "user_id": user_id,
                               "region": home.name, "resumed": state.pop("resumed")})
    with leased(home, claim_id(user_id), holder):
        return _Deletion(regions=regions, home=home, state=state, report=report, on_step=on_step).run()

