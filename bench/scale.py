"""Scale-out questions, measured side by side in one run:

  1. ladder jobs per minute with 1 vs 2 worker processes (`havre worker`, same job table);
  2. For You API requests per second on SQLite vs PostgreSQL (same app, same rows, a real
     uvicorn server, one keep-alive client), each next to a static file from the same server.

    .venv/bin/python bench/scale.py [--videos 6] [--requests 300]

PostgreSQL is taken from HAVRE_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1/postgres).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from http_rate import postgres_database, rate, served  # noqa: E402
from instance import insert_videos, open_instance  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from havre.jobs.models import DONE, Job  # noqa: E402
from havre.media import synth  # noqa: E402
from havre.videos import service as videos  # noqa: E402
from havre.workers.runner import JobRunner  # noqa: E402


def ladder_rate(workers: int, clip: Path, count: int, tmp: Path) -> float:
    data = tmp / f"w{workers}"
    instance = open_instance(data)
    settings, regions = instance.settings, instance.regions
    region = regions.default
    owner = instance.creator("bench")
    with region.session() as s:
        for _ in range(count):
            videos.create_upload(region, regions.directory, s, owner, clip, limits=settings.media)
        s.commit()
    JobRunner(regions=regions, settings=settings, kinds={"videos.process"}).drain()  # playable first
    env = {**os.environ, "HAVRE_DATA_DIR": str(data)}
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "havre", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        while True:
            with region.session() as s:
                done = s.scalar(select(func.count()).select_from(Job)
                                .where(Job.kind == "videos.ladder", Job.status == DONE))
            if done == count:
                break
            time.sleep(0.2)
        return count / ((time.perf_counter() - start) / 60)
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        regions.close()


def feed_rate(database_url: str | None, tmp: Path, requests: int, rows: int = 500) -> tuple[float, float]:
    """(For You req/s, trivial endpoint req/s) against a real uvicorn server over keep-alive HTTP."""
    import httpx

    from havre.app import create_app

    if database_url:
        os.environ["HAVRE_DATABASE_URL"] = database_url
    instance = open_instance(tmp / ("pg" if database_url else "sqlite"))
    os.environ.pop("HAVRE_DATABASE_URL", None)
    settings, regions = instance.settings, instance.regions
    insert_videos(regions.default, instance.creator("feeder"), range(rows))
    try:
        with served(create_app(settings, regions=regions)) as url, httpx.Client(base_url=url) as client:
            return rate(client, "/api/feed/foryou?limit=10", requests), rate(client, "/static/vendor/README.md",
                                                                              requests)
    finally:
        regions.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        tmp = Path(name)
        clip = synth.make_clip(tmp / "in.mp4", seconds=4, width=720, height=1280, seed=2)
        one, two = (ladder_rate(n, clip, args.videos, tmp) for n in (1, 2))
        print(f"ladder jobs/min ({args.videos} x 4 s 720x1280)   1 worker {one:6.1f}   2 workers {two:6.1f}"
              f"   ratio {two / one:4.2f}x  ({os.cpu_count()} cores)")
        sqlite, sqlite_trivial = feed_rate(None, tmp, args.requests)
        with postgres_database() as url:
            pg, pg_trivial = feed_rate(url, tmp, args.requests)
        print(f"For You req/s (500 videos)   SQLite {sqlite:6.1f}   PostgreSQL {pg:6.1f}   ratio {pg / sqlite:4.2f}x")
        print(f"  vs a static file on the same server   SQLite {sqlite_trivial:6.1f} ({sqlite / sqlite_trivial:4.2f}x)"
              f"   PostgreSQL {pg_trivial:6.1f} ({pg / pg_trivial:4.2f}x)")


if __name__ == "__main__":
    main()
