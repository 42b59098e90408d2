"""What does a For You page cost at scale? Latency at a steady rate, against a trivial endpoint.

    .venv/bin/python bench/feed.py [--videos 100000] [--members 10000] [--history 10000] [--seconds 20]
    .venv/bin/python bench/feed.py --sweep        # 1k/10k/100k videos x history 0/10k, as a table
    .venv/bin/python bench/feed.py --profile      # also: where a For You request spends its time
    .venv/bin/python bench/feed.py --static-viewer --order foryou-first   # the method before 4 Dec

Builds, by inserting rows (no transcoding), the embedded default with ``--videos`` public videos by
200 creators, ``--members`` members who each watched a few videos to the end (in 50 clusters of
taste), player sums for every video, and the measured viewer's ``--history`` events; then trains
the region's model from those members (``recs.live.train_region``: neighbours and embeddings,
as the product trains and serves it), so the learned model is in the loop. It serves the app with uvicorn and, on
one keep-alive connection, asks at a steady ``--rate`` (50/s) for:
  1. For You pages of 10 as the viewer with the history (a new session every 5th request, the
     next page of it otherwise);
  2. beside each, a trivial endpoint of the same server (``/static/vendor/README.md``), before
     it and after it in turn: the first request after the pause meets a colder CPU, which cost
     For You, always first before 4 Dec, about a tenth of its share (``--order foryou-first``);
  3. then, untimed, the events the player would send about the page it showed, recorded as the
     server records them (``recs.events.record``): an impression and a play of each video, every
     other one watched to the end and the rest skipped, every fifth looped. So each page is asked
     by a viewer whose taste has just moved, as in use (``--static-viewer``: it never moves).
Prints p50 and p99 of each and For You's requests/s (from its mean latency) as a share of the
trivial endpoint's. ``--profile`` samples the server's threads every millisecond while they serve
For You and prints the functions they were in (inclusive share of samples).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from http_rate import served
from instance import PASSWORD, open_instance
from sqlalchemy import insert, select

from havre.accounts.models import User
from havre.app import create_app
from havre.db.base import new_id, utcnow
from havre.recs.events import COMPLETE, EVENTS_TABLE, IMPRESSION, KINDS, LOOP, PLAY, SKIP, Signal, record
from havre.recs.live import train_region
from havre.recs.signals import VideoSignals
from havre.videos.models import READY, Video

TAGS = ["cuisine", "skate", "danse", "chat", "voyage", "musique", "drole", "sport", "mode", "jeux"]
CLUSTERS = 50
WATCHED_PER_MEMBER = 5


def build(instance_dir: Path, *, videos: int, members: int, history: int) -> str:
    instance = open_instance(instance_dir)
    region = instance.regions.default
    creators = [instance.creator(f"creator{n}") for n in range(200)]
    viewer = instance.creator("viewer")
    rng = random.Random(1)
    now = utcnow()
    video_ids = [new_id() for _ in range(videos)]
    # What members watch: the newest videos, in clusters (member m likes cluster m % CLUSTERS).
    head = video_ids[:min(videos, 5000)]
    with region.session() as s:
        s.execute(insert(Video), [
            {"id": video_id, "owner_id": creators[n % 200].id, "status": READY, "visibility": "public",
             "caption": f"video {n} #{TAGS[n % 10]} #{TAGS[(n * 7) % 10]}", "original_key": f"o/{n}",
             "original_sha256": "0" * 64, "mp4_key": f"videos/{video_id}/play.mp4", "sound_title": f"sound {n % 300}",
             "like_count": rng.randint(0, 500), "posted_at": now - timedelta(minutes=n)}
            for n, video_id in enumerate(video_ids)])
        s.execute(insert(VideoSignals), [{"video_id": v, "impressions": (p := rng.randint(0, 2000)), "plays": p,
                                          "completes": p // 3, "skips": p // 4, "loops": 0, "not_interested": 0,
                                          "watch_ms": 0} for v in video_ids])
        member_ids = [new_id() for _ in range(members)]
        s.execute(insert(User), [{"id": m, "handle": f"member{n}", "display_name": f"member{n}", "bio": "",
                                  "password_hash": "x", "home_region": region.name}
                                 for n, m in enumerate(member_ids)])
        s.execute(insert(EVENTS_TABLE), [
            {"user_id": m, "video_id": head[(n % CLUSTERS + CLUSTERS * rng.randrange(len(head) // CLUSTERS or 1))
                                            % len(head)],
             "kind": "complete", "watch_ms": 9000, "at": now - timedelta(hours=1)}
            for n, m in enumerate(member_ids) for _ in range(WATCHED_PER_MEMBER)])
        kinds = ["play", "complete", "skip", "loop", "impression"]
        if history:
            s.execute(insert(EVENTS_TABLE), [
                {"user_id": viewer.id, "video_id": rng.choice(head), "kind": kinds[n % 5], "watch_ms": 0,
                 "at": now - timedelta(seconds=history - n)} for n in range(history)])
        s.commit()
    trained = train_region(region)  # the product's model: neighbours and embeddings, both served
    assert trained.version is not None, trained
    instance.close()
    return viewer.handle


class Sampler:
    """A poor man's py-spy: every ``interval_s``, the stacks of the threads serving For You."""

    def __init__(self, *, interval_s: float = 0.001) -> None:
        self.interval_s = interval_s
        self.samples = 0
        self.inclusive: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval_s):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                names: list[str] = []
                walk = frame
                while walk is not None:
                    code = walk.f_code
                    names.append(f"{_short(code.co_filename)}:{code.co_name}")
                    walk = walk.f_back
                if "web/api/feed.py:for_you" not in names:
                    continue
                self.samples += 1
                self.inclusive.update(set(names))

    def report(self, top: int = 40) -> None:
        print(f"  where For You's time goes ({self.samples} samples, inclusive):")
        for name, count in self.inclusive.most_common(top):
            print(f"    {count / max(1, self.samples):6.1%}  {name}")


def _short(filename: str) -> str:
    for marker in ("/havre/", "/site-packages/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Result:
    videos: int
    history: int
    p50: dict[str, float]
    p99: dict[str, float]
    mean: dict[str, float]
    requests: dict[str, int]

    @property
    def share(self) -> float:
        """For You's requests/s over the trivial endpoint's, each from its mean latency."""
        return self.mean["trivial"] / self.mean["foryou"]


def player_events(video_ids: list[str]) -> list[Signal]:
    """What the player sends about a page it showed: every video seen and started, every other
    one watched to the end and the rest skipped, every fifth looped."""
    sent = []
    for n, video_id in enumerate(video_ids):
        sent += [Signal(video_id=video_id, kind=IMPRESSION), Signal(video_id=video_id, kind=PLAY)]
        sent.append(Signal(video_id=video_id, kind=COMPLETE, watch_ms=9000) if n % 2 == 0
                    else Signal(video_id=video_id, kind=SKIP, watch_ms=1200))
        if n % 5 == 4:
            sent.append(Signal(video_id=video_id, kind=LOOP))
    return sent


def measure(data: Path, handle: str, *, videos: int, history: int, seconds: float, rate: float,
            profile: bool, static_viewer: bool = False, order: str = "alternate") -> Result:
    instance = open_instance(data)
    region = instance.regions.default
    with region.session() as s:
        viewer_id = s.scalars(select(User.id).where(User.handle == handle)).one()
    app = create_app(instance.settings, regions=instance.regions)
    times: dict[str, list[float]] = {"foryou": [], "trivial": []}
    sampler = Sampler() if profile else None
    with served(app) as url, httpx.Client(base_url=url) as client:
        client.get("/api/feed/foryou")
        client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
        login = client.post("/api/auth/login", json={"handle": handle, "password": PASSWORD})
        assert login.status_code == 200, login.text
        client.headers["X-CSRF-Token"] = login.headers["x-csrf-token"]
        for _ in range(10):  # warm up: the pool and the model are read once, then kept
            client.get("/api/feed/foryou")
        if sampler is not None:
            sampler.__enter__()
        def trivial() -> None:
            start = time.perf_counter()
            assert client.get("/static/vendor/README.md").status_code == 200
            times["trivial"].append(time.perf_counter() - start)

        cursor = None
        interval = 1.0 / rate
        deadline = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < deadline:
            tick = time.perf_counter()
            query = f"&cursor={cursor}" if cursor and n % 5 else ""
            # Which goes first alternates: the first request after the pause meets a colder CPU
            # (caches, clock) than the one right after it, and neither endpoint should get that.
            trivial_first = order == "alternate" and n % 2 == 1
            if trivial_first:
                trivial()
            start = time.perf_counter()
            response = client.get(f"/api/feed/foryou?limit=10{query}")
            times["foryou"].append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            page = response.json()
            cursor = page["next_cursor"]
            if not trivial_first:
                trivial()
            if not static_viewer:
                with region.session() as s:
                    record(s, viewer_id, player_events([v["id"] for v in page["items"]]), kinds=KINDS)
                    s.commit()
            n += 1
            time.sleep(max(0.0, interval - (time.perf_counter() - tick)))
        if sampler is not None:
            sampler.__exit__()
    instance.close()
    if sampler is not None:
        sampler.report()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return Result(videos=videos, history=history, p50={k: pct(v, 0.5) for k, v in times.items()},
                  p99={k: pct(v, 0.99) for k, v in times.items()}, requests={k: len(v) for k, v in times.items()},
                  mean={k: statistics.mean(v) * 1000 for k, v in times.items()})


def run(*, videos: int, members: int, history: int, seconds: float, rate: float, profile: bool,
        static_viewer: bool, order: str) -> Result:
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        data = Path(name) / "data"
        handle = build(data, videos=videos, members=members, history=history)
        return measure(data, handle, videos=videos, history=history, seconds=seconds, rate=rate, profile=profile,
                       static_viewer=static_viewer, order=order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--sweep", action="store_true", help="1k/10k/100k videos x history 0/10k")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--static-viewer", action="store_true",
                        help="the viewer sends no events between pages (their taste never moves)")
    parser.add_argument("--order", choices=("alternate", "foryou-first"), default="alternate",
                        help="which request follows the pause: in turn (default), or always For You (before 4 Dec)")
    args = parser.parse_args()
    configs = ([(v, h) for v in (1_000, 10_000, 100_000) for h in (0, 10_000)] if args.sweep
               else [(args.videos, args.history)])
    results = []
    for videos, history in configs:
        result = run(videos=videos, members=args.members, history=history, seconds=args.seconds, rate=args.rate,
                     profile=args.profile, static_viewer=args.static_viewer, order=args.order)
        results.append(result)
        print(f"For You at {args.rate:.0f} req/s for {args.seconds:.0f} s: {videos} videos, {args.members} members, "
              f"viewer history {history} events, "
              + ("no events between pages" if args.static_viewer else "each page's player events recorded after it"))
        for label in ("foryou", "trivial"):
            print(f"  {label:8} p50 {result.p50[label]:7.1f} ms   p99 {result.p99[label]:7.1f} ms"
                  f"   ({result.requests[label]} requests)")
        print(f"  For You req/s as a share of the trivial endpoint's: {result.share:.1%}", flush=True)
    print("\n| videos | viewer history | p50 | p99 | trivial p50 | For You req/s (1/mean) | share of trivial |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.videos:,} | {r.history:,} | {r.p50['foryou']:.1f} ms | {r.p99['foryou']:.1f} ms "
              f"| {r.p50['trivial']:.1f} ms | {1000 / r.mean['foryou']:.0f} | {r.share:.1%} |")


if __name__ == "__main__":
    main()
