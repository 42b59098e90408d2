"""What does a For You page cost at scale? Latency at a steady rate, against a trivial endpoint.

    .venv/bin/python bench/feed.py [--videos 100000] [--members 10000] [--history 10000] [--seconds 20]

Builds, by inserting rows (no transcoding), the embedded default with ``--videos`` public videos by
200 creators, ``--members`` members, synthetic events (the measured viewer has ``--history`` of
them) and player sums for every video, then serves it with uvicorn and, on one keep-alive
connection each, asks at a steady 50 requests/s for:
  1. For You pages of 10 (a new session every 5th request, the next page of it otherwise), as the
     viewer with the history;
  2. a trivial endpoint of the same server (``/static/vendor/README.md``), in the same run,
     interleaved one by one.
Prints p50 and p99 of each and For You's requests/s (from its mean latency) as a share of the
trivial endpoint's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from http_rate import served
from instance import PASSWORD, open_instance
from sqlalchemy import insert

from havre.accounts.models import User
from havre.app import create_app
from havre.db.base import new_id, utcnow
from havre.recs.events import EVENTS_TABLE
from havre.recs.signals import VideoSignals
from havre.videos.models import READY, Video

TAGS = ["cuisine", "skate", "danse", "chat", "voyage", "musique", "drole", "sport", "mode", "jeux"]


def build(instance_dir: Path, *, videos: int, members: int, history: int) -> str:
    instance = open_instance(instance_dir)
    region = instance.regions.default
    creators = [instance.creator(f"creator{n}") for n in range(200)]
    viewer = instance.creator("viewer")
    rng = random.Random(1)
    now = utcnow()
    video_ids = []
    with region.session() as s:
        rows = []
        for n in range(videos):
            video_id = new_id()
            video_ids.append(video_id)
            rows.append({"id": video_id, "owner_id": creators[n % 200].id, "status": READY, "visibility": "public",
                         "caption": f"video {n} #{TAGS[n % 10]} #{TAGS[(n * 7) % 10]}", "original_key": f"o/{n}",
                         "original_sha256": "0" * 64, "mp4_key": f"videos/{video_id}/play.mp4",
                         "like_count": rng.randint(0, 500), "posted_at": now - timedelta(minutes=n)})
        s.execute(insert(Video), rows)
        s.execute(insert(VideoSignals), [{"video_id": v, "impressions": (p := rng.randint(0, 2000)), "plays": p,
                                          "completes": p // 3, "skips": p // 4, "loops": 0, "not_interested": 0,
                                          "watch_ms": 0} for v in video_ids])
        s.execute(insert(User), [{"id": new_id(), "handle": f"member{n}", "display_name": f"member{n}", "bio": "",
                                  "password_hash": "x", "home_region": region.name} for n in range(members)])
        kinds = ["play", "complete", "skip", "loop", "impression"]
        s.execute(insert(EVENTS_TABLE), [
            {"user_id": viewer.id, "video_id": rng.choice(video_ids), "kind": kinds[n % 5], "watch_ms": 0,
             "at": now - timedelta(seconds=history - n)} for n in range(history)])
        s.commit()
    instance.close()
    return viewer.handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        data = Path(name) / "data"
        handle = build(data, videos=args.videos, members=args.members, history=args.history)
        instance = open_instance(data)
        app = create_app(instance.settings, regions=instance.regions)
        with served(app) as url, httpx.Client(base_url=url) as client:
            client.get("/api/feed/foryou")
            client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
            login = client.post("/api/auth/login", json={"handle": handle, "password": PASSWORD})
            assert login.status_code == 200, login.text
            client.headers["X-CSRF-Token"] = login.headers["x-csrf-token"]
            times: dict[str, list[float]] = {"foryou": [], "trivial": []}
            cursor = None
            interval = 1.0 / args.rate
            deadline = time.perf_counter() + args.seconds
            n = 0
            for _ in range(10):  # warm up: the pool is read once, then kept
                client.get("/api/feed/foryou")
            while time.perf_counter() < deadline:
                tick = time.perf_counter()
                if n % 2 == 0:
                    query = f"&cursor={cursor}" if cursor and n % 10 else ""
                    start = time.perf_counter()
                    response = client.get(f"/api/feed/foryou?limit=10{query}")
                    times["foryou"].append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text
                    cursor = response.json()["next_cursor"]
                else:
                    start = time.perf_counter()
                    assert client.get("/static/vendor/README.md").status_code == 200
                    times["trivial"].append(time.perf_counter() - start)
                n += 1
                time.sleep(max(0.0, interval - (time.perf_counter() - tick)))
        instance.close()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    print(f"For You at {args.rate:.0f} req/s for {args.seconds:.0f} s: {args.videos} videos, {args.members} members, "
          f"viewer history {args.history} events")
    for label, values in times.items():
        print(f"  {label:8} p50 {pct(values, 0.5):7.1f} ms   p99 {pct(values, 0.99):7.1f} ms"
              f"   ({len(values)} requests)")
    share = statistics.mean(times["trivial"]) / statistics.mean(times["foryou"])
    print(f"  For You req/s as a share of the trivial endpoint's: {share:.1%}")


if __name__ == "__main__":
    main()
