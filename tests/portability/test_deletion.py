"""Deleting an account deletes it: every store of every region holds nothing of the person after,
the counts they moved are taken back once, and a deletion interrupted or raced finishes once."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from havre.accounts import signin
from havre.accounts.models import AuthSession, User
from havre.blobs import keys
from havre.config import Settings
from havre.db.base import utcnow
from havre.errors import HavreError
from havre.jobs import enqueue
from havre.jobs.models import QUEUED, Job
from havre.portability import deletion
from havre.portability.residency import audit_residency
from havre.recs import live
from havre.regions import Regions
from havre.regions.audit import verify_chain
from havre.social.models import Like
from tests.conftest import PASSWORD, ApiClient
from tests.portability.conftest import REGIONS, counts, make_life, scan, signup

GRACE = timedelta(days=14)



@pytest.fixture
def region_names() -> tuple[str, ...]:
    return REGIONS


def _after(before: dict[str, int]) -> dict[str, int]:
    """sam liked, commented and shared lou's and cam's videos and followed both, who followed sam:
    each of those counts goes down by one, once."""
    return {name: n - 1 for name, n in before.items()}


def _log_in(regions: Regions, handle: str, password: str = PASSWORD) -> signin.SignedIn:
    return signin.log_in(regions, handle=handle, password=password, client="127.0.0.1", max_failures=5,
                         window_s=900)


def test_a_deleted_account_leaves_nothing_in_any_store(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions,
        h264_clip: Path, run_jobs: Callable[..., int], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    life = make_life(client, make_client, regions, h264_clip, run_jobs)
    before = counts(regions, life)
    found = scan(regions, life.needles)  # the scan sees them, down to eu's model having sam's videos as items
    assert any(where.startswith("eu blob recs/model-") for where in found) and f"logs: {life.sam}" not in found

    caplog.clear()  # what the test itself did (its requests name the videos) is not the deletion's
    report = deletion.delete_account(regions, life.sam)
    run_jobs()  # the counts pushed to eu

    assert report.handle == "sam" and report.region == "us" and not report.resumed
    assert report.rows["videos"] == 2 and report.rows["users"] == 1 and report.rows["likes"] == 2
    assert report.rows["data_exports"] == 1 and report.rows["import_runs"] == 1 and report.rows["feed_events"] > 0
    assert report.files > 4 and report.bytes_deleted > 0
    assert report.elsewhere["eu"]["follows"] == 1 and report.elsewhere["eu"]["likes"] == 1
    assert report.elsewhere["us"]["follows"] == 1 and report.elsewhere["eu"]["feed_events"] > 0
    assert report.counts == {"likes": 2, "comments": 2, "shares": 2, "followers": 2}
    assert set(report.models) == {"us", "eu"}  # both had a model built with sam's data or videos
    assert counts(regions, life) == _after(before)
    left = scan(regions, life.needles, logs=caplog.text)
    assert left == [], left
    assert regions.directory.user_id_of_handle("sam") is None
    assert all(regions.directory.region_of_video(v) is None for v in life.sam_videos)
    residency = audit_residency(settings, regions)
    assert residency.ok, residency.as_dict()
    for region in regions:
        with region.session() as s:
            assert verify_chain(s) == []
    # The others keep working: their own likes and comments stayed, sam's are gone from the lists.
    cam = life.clients["cam"]
    assert cam.get(f"/api/videos/{life.cam_video}").json()["liked_by_me"]
    assert cam.get(f"/api/videos/{life.cam_video}/comments").json()["items"] == []
    assert cam.get("/api/users/sam").status_code == 404
    assert cam.get(f"/api/videos/{life.sam_videos[0]}").status_code == 404
    with pytest.raises(deletion.AlreadyDeleted):
        deletion.delete_account(regions, life.sam)


def test_the_grace_period_is_asked_with_the_password_and_a_login_cancels_it(
        client: ApiClient, regions: Regions) -> None:
    sam = signup(client, "sam", "us")
    with pytest.raises(deletion.WrongPassword) as wrong:
        deletion.request_deletion(regions, sam, "not the password", grace=GRACE)
    assert wrong.value.status_code == 403 and "not your password" in wrong.value.template
    with regions.get("us").session() as s:
        user = s.get(User, sam)
        assert user is not None and user.delete_after is None
    assert client.get("/api/me").status_code == 200  # nothing changed: still logged in

    when = deletion.request_deletion(regions, sam, PASSWORD, grace=GRACE)
    assert timedelta(days=13) < when - utcnow() <= GRACE
    assert client.get("/api/me").status_code == 401  # logged out everywhere
    assert deletion.request_deletion(regions, sam, PASSWORD, grace=timedelta(days=1)) == when  # the first date
    signed = _log_in(regions, "sam")
    assert signed.deletion_cancelled
    with regions.get("us").session() as s:
        user = s.get(User, sam)
        assert user is not None and user.delete_after is None
    assert not _log_in(regions, "sam").deletion_cancelled
    deletion.schedule_deletion(regions, sam, grace=GRACE)  # the operator's, without a password
    assert deletion.cancel_deletion(regions, sam) and not deletion.cancel_deletion(regions, sam)


def test_a_due_deletion_is_done_by_the_scheduled_job_and_a_later_one_waits(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs)
    before = counts(regions, life)
    deletion.schedule_deletion(regions, life.sam, grace=timedelta(0))
    deletion.schedule_deletion(regions, life.lou, grace=GRACE)
    with pytest.raises(HavreError, match="being deleted"):  # its grace is over: no login cancels it now
        _log_in(regions, "sam")
    assert deletion.deletion_started(regions, life.sam) and not deletion.deletion_started(regions, life.lou)
    for region in regions:
        with region.session() as s:
            enqueue(s, "portability.delete_due", {})
            s.commit()
    run_jobs()
    assert regions.directory.user_id_of_handle("sam") is None
    with regions.get("us").session() as s:
        lou = s.get(User, life.lou)
        assert lou is not None and lou.delete_after is not None  # not due yet: left alone
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "portability.delete_due",
                                                                    Job.status == QUEUED)) == 1  # the next look
    after = counts(regions, life)
    assert after["eu.like_count"] == before["eu.like_count"] - 1 and after["us.follower_count"] == 0
    # Run for us, the job retrained us; eu retrained itself (its own job), keeping no model of sam's videos.
    assert scan(regions, life.needles) == []
    eu_recs = list(regions.get("eu").blobs.keys("recs/"))  # no model of its own; at most us's copy of pairs
    assert all(k.startswith(keys.recs_shared_prefix("us")) for k in eu_recs), eu_recs


@pytest.mark.parametrize(("step", "when"), [("files", "before"), ("rows", "inside"), ("rows", "after"),
                                           ("sweep", "after"), ("models", "before")])
def test_an_interrupted_deletion_resumes_and_counts_are_taken_back_once(
        step: str, when: str, client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions,
        h264_clip: Path, run_jobs: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs, models=step == "models")
    before = counts(regions, life)
    # "inside": in the rows' transaction, once the counts are taken back (it rolls back)
    name = "_take_back_counts" if when == "inside" else step
    real = getattr(deletion._Deletion, name)
    crashes: list[str] = []

    def crash_once(self: deletion._Deletion, *args: object) -> None:
        if crashes:
            return real(self, *args)  # type: ignore[no-any-return]
        crashes.append(step)
        if when != "before":
            real(self, *args)
        raise KeyboardInterrupt  # Ctrl-C, or a process killed between two steps

    monkeypatch.setattr(deletion._Deletion, name, crash_once)
    with pytest.raises(KeyboardInterrupt):
        deletion.delete_account(regions, life.sam)
    run_jobs()  # whatever the first attempt queued runs, as on a live instance
    with regions.get("us").session() as s:  # released, for a rerun (or the runner in a minute)
        job = s.get(Job, deletion.claim_id(life.sam))
        assert job is not None and job.status == QUEUED and job.locked_by is None
    with pytest.raises(HavreError, match="being deleted|Wrong handle"):  # refused, or no account any more
        _log_in(regions, "sam")

    report = deletion.delete_account(regions, life.sam)
    run_jobs()
    assert report.resumed and report.counts == {"likes": 2, "comments": 2, "shares": 2, "followers": 2}
    assert counts(regions, life) == _after(before)
    assert scan(regions, life.needles) == []


def test_parallel_deletions_delete_once_while_others_keep_liking(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs, models=False)
    before = counts(regions, life)
    for fan in ("lou", "cam"):  # the likes the racing fans toggle start from none
        life.clients[fan].delete(f"/api/videos/{life.sam_videos[0]}/like")
    done = threading.Event()
    results: list[object] = []
    statuses: list[int] = []

    def delete() -> None:
        try:
            results.append(deletion.delete_account(regions, life.sam))
        except (deletion.BeingDeleted, deletion.AlreadyDeleted) as exc:
            results.append(exc)

    def keep_liking(fan: ApiClient) -> None:
        while not done.is_set():
            for video in life.sam_videos:
                statuses.append(fan.post(f"/api/videos/{video}/like").status_code)
                statuses.append(fan.delete(f"/api/videos/{video}/like").status_code)

    likers = [threading.Thread(target=keep_liking, args=(life.clients[f],)) for f in ("lou", "cam")]
    deleters = [threading.Thread(target=delete) for _ in range(4)]
    for thread in likers + deleters:
        thread.start()
    for thread in deleters:
        thread.join(120)
    done.set()
    for thread in likers:
        thread.join(60)
    run_jobs()

    reports = [r for r in results if isinstance(r, deletion.DeletionReport)]
    assert len(results) == 4 and len(reports) == 1, results
    assert set(statuses) <= {200, 404}, statuses
    for region in regions:
        with region.session() as s:
            assert s.scalar(select(func.count()).select_from(Like).where(Like.video_id.in_(life.sam_videos))) == 0
            assert s.scalar(select(func.count()).select_from(AuthSession)
                            .where(AuthSession.user_id == life.sam)) == 0
    after = counts(regions, life)
    assert after == _after(before)
    assert scan(regions, life.needles) == []


def test_a_moving_account_is_not_deleted_until_the_move_ends(client: ApiClient, regions: Regions) -> None:
    sam = signup(client, "sam", "us")
    regions.directory.start_move(sam, source="us", target="eu")
    with pytest.raises(deletion.DeletionError, match="moving"):
        deletion.delete_account(regions, sam)
    regions.directory.finish_move(sam)
    assert deletion.delete_account(regions, sam).rows["users"] == 1


def test_the_retrained_model_is_the_only_one_kept(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs)  # one model version each
    us = regions.get("us")
    with us.session() as s:  # enough left after sam to train on: lou's likes of two other videos
        s.add_all([Like(user_id=life.lou, video_id=v) for v in ("other-one", "other-two")])
        s.commit()
    assert live.train_region(us, min_interactions=1, embeddings=False).version  # a second version (KEEP is 2)
    monkeypatch.setattr(live, "train_region", functools.partial(live.train_region, min_interactions=1,
                                                                embeddings=False))
    report = deletion.delete_account(regions, life.sam)
    version = report.models["us"]
    assert version is not None and report.models["eu"] is None  # eu: nothing left to train on
    own = [k for k in us.blobs.keys("recs/") if not k.startswith("recs/shared/")]
    assert sorted(own) == sorted([keys.recs_current(), keys.recs_model(version)])
    # eu had a model, has nothing to learn from now, and withdrew the pairs it had shared with us.
    withdrawn = us.blobs.get_bytes(keys.recs_shared_current("eu")).decode()
    assert withdrawn.endswith("-none") and list(us.blobs.keys(keys.recs_shared_prefix("eu"))) == sorted(
        [keys.recs_shared("eu", withdrawn), keys.recs_shared_current("eu")])
    assert us.blobs.get_bytes(keys.recs_current()).decode() == version
    assert scan(regions, life.needles) == []
