"""The query planner gets statistics: after migrations, and from the daily ``workers.analyze`` job, so
plans chosen on an empty database do not stay once it has grown."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, insert, select, text

from havre.accounts.signin import sign_up
from havre.db.base import new_id, utcnow
from havre.jobs.models import QUEUED, Job
from havre.jobs.service import enqueue
from havre.regions import Regions
from havre.videos.models import READY, Video

ROWS = 3000


def _videos_the_planner_knows(regions: Regions) -> int:
    region = regions.default
    with region.engine.connect() as conn:
        if region.engine.dialect.name == "sqlite":
            # sqlite_stat1's "stat" starts with the table's row count, as sampled by ANALYZE.
            stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'videos' AND idx = 'ix_videos_feed'"))
            row = stat.first()
            return int(row[0].split()[0]) if row else 0
        return int(conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'videos'")).scalar_one())


def test_the_daily_job_gives_the_planner_the_rows_it_has_now(regions: Regions,
                                                               run_jobs: Callable[..., int]) -> None:
    region = regions.default
    if region.engine.dialect.name == "sqlite":
        with region.engine.connect() as conn:  # the migrations left statistics (of empty tables)
            assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() == 1
    owner = sign_up(regions, handle="maker", password="correct horse battery", open_session=False).user
    with region.session() as s:
        s.execute(insert(Video), [{"id": new_id(), "owner_id": owner.id, "status": READY, "visibility": "public",
                                   "caption": f"video {n}", "original_key": f"o/{n}", "original_sha256": "0" * 64,
                                   "posted_at": utcnow()} for n in range(ROWS)])
        enqueue(s, "workers.analyze", {})
        s.commit()
    assert _videos_the_planner_knows(regions) < ROWS  # the statistics were taken on an empty table
    assert run_jobs({"workers.analyze"}) == 1
    assert _videos_the_planner_knows(regions) >= ROWS * 0.9  # PostgreSQL's count is an estimate
    with region.session() as s:  # and the next time is booked
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "workers.analyze",
                                                                    Job.status == QUEUED)) == 1
