"""How fast do the player's events go in through the real endpoint? ``POST /api/events`` vs a trivial
endpoint of the same ``havre serve``, seen by a client in another process.

    .venv/bin/python bench/events_http.py [--seconds 10] [--batch 20] [--runs 3] [--clients 2]
    .venv/bin/python bench/events_http.py --src old=/tmp/bench-old/src --src new=src   # two codes in turn
    .venv/bin/python bench/events_http.py --profile   # also: each part's CPU time inside the server

The default (one code, 3 runs) takes about 2 minutes; each code named adds as much.

The server is a real ``havre serve`` subprocess (uvicorn, one process, its in-process job runner
on: the fold of the events into the videos' sums runs inside it, as in any served instance) on a
fresh embedded instance built by this script: 4 members and 200 ready public videos (rows, no
media) placed in the directory. ``HAVRE_RATE_LIMIT_FACTOR`` is set to 100000 in the server's
environment so the per-member and per-address limits on events (600 a minute per member) are
counted as in service but never reached: the limit is not what is measured. ``--src LABEL=DIR``
serves (and builds the instance with) the ``havre`` package under DIR (``PYTHONPATH``); repeated,
the codes are measured in turn in every run (a, b, a, b, ...), each on its own copy of an instance
it built, each in a fresh server process.

The client is this process (it imports nothing of Havre): ``--clients`` threads, each with its own
keep-alive connection and a signed-in member's session and CSRF token, as the player sends them:
  1. events: ``POST /api/events`` with ``{"events": [{video_id, kind}, ...]}`` in batches of
     ``--batch`` (20, feed.js's BATCH): per video shown an impression and a play, then a skip for
     every other one (left under 2 s) and a loop for every fourth, over the 200 public videos;
  2. trivial: ``GET /static/vendor/README.md`` (as bench/feed.py).
Each run alternates the two in blocks of ``--seconds``/2: trivial, events, trivial, events. After
each events block the client waits (untimed) for the fold those events asked for (the job runs
2 s after the first batch, the runner polls every 2 s): its CPU is the events' (printed apart as
"fold after"), its wall time is not. The server's CPU time (``/proc/PID/stat``, all its threads)
is read before and after each block; the client's own CPU beside it. Prints, per code, min /
median / max over ``--runs`` of: events/s, requests/s of both sides, their ratio (events req/s ÷
trivial req/s), and server CPU per request (ms); events/s per server process if CPU-bound is
``batch / server CPU per request``.

``--profile`` adds one run per code (not counted in the figures) whose server is ``havre serve``
started through this module: it wraps the functions an events request goes through (the route,
the session lookup, the rate limits, the visibility check, the insert, fold_soon, commits, the
fold job) and sums the CPU time of the thread running each (``time.thread_time``) during the
events blocks; what is left of the server's CPU is the event loop's thread (HTTP, middlewares,
the body's parsing and validation, the access log). Benches must not import the tests; the
instance is built here, in a child process with the measured code (``--build``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-pw"
TRIVIAL = "/static/vendor/README.md"
EVENTS = "/api/events"
FACTOR = "100000"
FOLD_WAIT_S = 4.5  # fold_soon's 2 s delay + the runner's 2 s poll, and the fold itself
MEMBERS, VIDEOS = 4, 200
TICK = os.sysconf("SC_CLK_TCK")


# -- the instance (run in a child process, with the measured code's havre on PYTHONPATH) ---------

def build(data_dir: Path) -> None:
    """A fresh embedded instance: members and ready public videos placed in the directory.
    Prints what the client needs as JSON (and where havre was imported from)."""
    from datetime import timedelta

    import havre
    from havre.accounts import signin
    from havre.config import load_settings
    from havre.db.base import utcnow
    from havre.db.migrate import upgrade
    from havre.regions import open_regions
    from havre.videos.models import READY, Video

    regions = open_regions(load_settings(data_dir=data_dir))
    for region in regions:
        upgrade(region.engine)
    region = regions.default
    handles = [f"member{n}" for n in range(MEMBERS)]
    for handle in handles:
        signin.sign_up(regions, handle=handle, password=PASSWORD, open_session=False, region=region.name)
    creator = signin.sign_up(regions, handle="creator", password=PASSWORD, open_session=False,
                             region=region.name).user
    now = utcnow()
    ids: list[str] = []
    with region.session() as s:
        for n in range(VIDEOS):
            video = Video(owner_id=creator.id, caption=f"video {n} #bench", status=READY, visibility="public",
                          original_key=f"originals/x{n}", original_sha256="0" * 64, mp4_key=f"videos/x{n}/play.mp4",
                          duration_s=10.0, posted_at=now - timedelta(minutes=n))
            s.add(video)
            s.flush()
            ids.append(video.id)
            regions.directory.place_video(video.id, region.name)
        s.commit()
    regions.close()
    print(json.dumps({"havre": havre.__file__, "members": handles, "videos": ids}))


# -- --profile: the CPU time of the parts, measured inside the server (py-spy is not at hand) --------

# (module, attribute, label): what a request to /api/events calls, wrapped where the caller looks it
# up; absent ones (the old code has no rate limits, no visibility check) are skipped.
PARTS = [
    ("fastapi.routing", "_run_sync_endpoint", "the route's function, whole (a worker thread)"),
    ("havre.web.deps", "_signed_in_as", "  who the session cookie names (new code: the first inside the limits)"),
    ("havre.web.rate_limits", "check", "  rate limits: the counters' upserts and their commit"),
    ("havre.feed.service", "record_events", "  feed.service.record_events: check, visibility, insert"),
    ("havre.feed.service", "access_videos", "    the visibility check of the batch's videos"),
    ("havre.recs.events", "record", "    the insert (recs.events.record)"),
    ("havre.recs.signals", "fold_soon", "    fold_soon (is a fold queued? else enqueue one)"),
    ("sqlalchemy.orm", "Session.commit", "every commit (any thread)"),
    ("havre.recs.tasks", "fold", "the fold (the job runner's thread)"),
]


class Parts:
    """Thread CPU time (``time.thread_time``: no GIL waits, SQLite's own work included) spent in
    each of PARTS while on (SIGUSR1 switches it); each switch off writes the sums so far to ``out``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.on = False
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def switch(self, *_args: object) -> None:
        self.on = not self.on
        if not self.on:
            self.out.write_text(json.dumps({"cpu_s": self.cpu, "calls": self.calls}))

    def wrap(self, module: str, attribute: str, label: str) -> None:
        import importlib

        try:
            owner: object = importlib.import_module(module)
        except ImportError:
            return
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step)
        original = getattr(owner, name, None)
        if original is None:
            return
        only_events = name == "_run_sync_endpoint"

        def timed(*args: object, **kwargs: object) -> object:
            if not self.on or (only_events and getattr(kwargs.get("function"), "__name__", "") != "record_events"):
                return original(*args, **kwargs)
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with self.lock:
                    self.cpu[label] += spent
                    self.calls[label] += 1

        setattr(owner, name, timed)


def profiled_serve() -> None:
    """``havre serve`` with the parts timed (the server's command under ``--profile``)."""
    parts = Parts(Path(os.environ["BENCH_PROFILE_OUT"]))
    for module, attribute, label in PARTS:
        parts.wrap(module, attribute, label)
    signal.signal(signal.SIGUSR1, parts.switch)
    from havre.cli import app

    sys.argv = ["havre", *sys.argv[1:]]
    app()


def print_profile(path: Path, events: Side) -> None:
    data = json.loads(path.read_text())
    cpu: dict[str, float] = defaultdict(float, data["cpu_s"])
    calls: Counter[str] = Counter(data["calls"])
    total = events.server_cpu_s + events.fold_cpu_s
    print(f"    server CPU per events request: {total / events.requests * 1000:.2f} ms ({events.requests} requests, "
          f"the fold after the blocks included); thread CPU of the parts, per request:")
    for _, _, label in PARTS:
        if calls[label]:
            print(f"    {cpu[label] / events.requests * 1000:7.3f} ms  {label}  "
                  f"({calls[label] / events.requests:.2f} calls/request)")
    route = cpu[PARTS[0][2]] + cpu[PARTS[-1][2]]
    print(f"    {(total - route) / events.requests * 1000:7.3f} ms  the rest: the event loop's thread (HTTP, "
          f"middlewares, the body's JSON and validation, the access log) and the other threads")

# -- the server ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def code_env(src: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVRE_")}
    env["PYTHONPATH"] = str(src)
    env.update(extra)
    return env


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Server:
    def __init__(self, src: Path, data_dir: Path, log: Path, *, profile: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        env = code_env(src, HAVRE_DATA_DIR=str(data_dir), HAVRE_RATE_LIMIT_FACTOR=FACTOR)
        command = [str(ROOT / ".venv/bin/havre")]
        if profile is not None:
            env["BENCH_PROFILE_OUT"] = str(profile)
            boot = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import events_http; "
            command = [str(ROOT / ".venv/bin/python"), "-c", boot + "events_http.profiled_serve()"]
        self.profiled = profile is not None
        self.proc = subprocess.Popen([*command, "serve", "--port", str(self.port)], env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def sampling(self) -> None:
        """Switch the sampler on or off (under --profile)."""
        if self.profiled:
            os.kill(self.proc.pid, signal.SIGUSR1)

    def wait_ready(self, client: httpx.Client) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"havre serve exited with {self.proc.returncode}; see {self._log.name}")
            try:
                if client.get(TRIVIAL).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit("havre serve did not answer in 60 s")

    def cpu(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# -- the client ------------------------------------------------------------------------------------

def player_batches(video_ids: list[str], size: int, seed: int, count: int = 100) -> list[bytes]:
    """What feed.js sends, as bodies: per video shown an impression and a play, a skip when it was
    left under 2 s (every other one), a loop (every fourth); cut in batches of ``size``."""
    rng = random.Random(seed)
    stream: list[dict[str, str]] = []
    while len(stream) < size * count:
        order = video_ids[:]
        rng.shuffle(order)
        for n, video_id in enumerate(order):
            stream += [{"video_id": video_id, "kind": "impression"}, {"video_id": video_id, "kind": "play"}]
            if n % 2 == 0:
                stream.append({"video_id": video_id, "kind": "skip"})
            elif n % 4 == 1:
                stream.append({"video_id": video_id, "kind": "loop"})
    return [json.dumps({"events": stream[i:i + size]}).encode() for i in range(0, size * count, size)]


@dataclass
class Side:
    requests: int = 0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    fold_cpu_s: float = 0.0  # after the blocks (events: the trailing fold)
    client_cpu_s: float = 0.0


@dataclass
class Run:
    code: str
    sides: dict[str, Side] = field(default_factory=lambda: {"trivial": Side(), "events": Side()})


Send = Callable[[], None]


def block(server: Server, side: Side, seconds: float, send: list[Send]) -> None:
    """Every client sends its requests one after another until the deadline; wall and CPU of all."""
    counts = [0] * len(send)
    errors: list[str] = []

    def loop(i: int) -> None:
        do = send[i]
        n = 0
        try:
            while time.perf_counter() < deadline:
                do()
                n += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        counts[i] = n

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(send))]
    cpu0, mine0 = server.cpu(), time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    side.wall_s += time.perf_counter() - start
    side.server_cpu_s += server.cpu() - cpu0
    side.client_cpu_s += time.process_time() - mine0
    side.requests += sum(counts)
    if errors:
        raise SystemExit(f"requests failed: {errors[0]}")


def measure(label: str, src: Path, template: Path, info: dict[str, object], work: Path, *, run: int,
            seconds: float, batch: int, clients: int, profile: Path | None = None) -> Run:
    data = work / f"{label}-run{run}"
    shutil.copytree(template, data)
    server = Server(src, data, work / f"{label}-run{run}.log", profile=profile)
    result = Run(label)
    opened: list[httpx.Client] = []
    try:
        members = info["members"]
        videos = info["videos"]
        assert isinstance(members, list) and isinstance(videos, list)
        for i in range(clients):
            client = httpx.Client(base_url=server.url, timeout=30)
            opened.append(client)
            if i == 0:
                server.wait_ready(client)
            client.get(TRIVIAL)  # the CSRF cookie, as any response gives it
            client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
            signed = client.post("/api/auth/login", json={"handle": members[i % len(members)], "password": PASSWORD})
            assert signed.status_code == 200, signed.text
            client.headers["X-CSRF-Token"] = signed.headers.get("X-CSRF-Token") or client.cookies["havre_csrf"]
        # What the server does with an unknown video: 404 since the visibility check, 204 before it.
        probe = opened[0].post(EVENTS, json={"events": [{"video_id": "nosuchvideo", "kind": "impression"}]})
        bodies = [player_batches([str(v) for v in videos], batch, seed=i) for i in range(clients)]
        cursor = [0] * clients

        def events_sender(i: int) -> Send:
            client = opened[i]
            own = bodies[i]
            headers = {"Content-Type": "application/json"}

            def send() -> None:
                body = own[cursor[i] % len(own)]
                cursor[i] += 1
                response = client.post(EVENTS, content=body, headers=headers)
                if response.status_code != 204:
                    raise RuntimeError(f"{EVENTS}: {response.status_code} {response.text[:200]}")
            return send

        def trivial_sender(i: int) -> Send:
            client = opened[i]

            def send() -> None:
                response = client.get(TRIVIAL)
                if response.status_code != 200:
                    raise RuntimeError(f"{TRIVIAL}: {response.status_code}")
            return send

        senders = {"trivial": [trivial_sender(i) for i in range(clients)],
                   "events": [events_sender(i) for i in range(clients)]}
        for side in ("trivial", "events"):  # warm-up, untimed
            block(server, Side(), 0.5, senders[side])
        time.sleep(FOLD_WAIT_S)
        for _ in range(2):
            for side in ("trivial", "events"):
                if side == "events":
                    server.sampling()
                block(server, result.sides[side], seconds / 2, senders[side])
                if side == "events":
                    server.sampling()
                    cpu0 = server.cpu()
                    time.sleep(FOLD_WAIT_S)
                    result.sides[side].fold_cpu_s += server.cpu() - cpu0
        log_head = (work / f"{label}-run{run}.log").read_text(errors="replace")
        print(f"    [{label} run {run}: server pid {server.proc.pid}, unknown video -> {probe.status_code}"
              f"{', log has errors' if 'Traceback' in log_head else ''}]", flush=True)
    finally:
        for client in opened:
            client.close()
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    return result


# -- figures ---------------------------------------------------------------------------------------

def spread(values: list[float], fmt: str) -> str:
    return " / ".join(f"{v:{fmt}}".rjust(8) for v in (min(values), statistics.median(values), max(values)))


def report(runs: list[Run], batch: int) -> None:
    for label in dict.fromkeys(r.code for r in runs):
        ev = [r.sides["events"] for r in runs if r.code == label]
        tr = [r.sides["trivial"] for r in runs if r.code == label]
        ev_rps = [s.requests / s.wall_s for s in ev]
        tr_rps = [s.requests / s.wall_s for s in tr]
        ev_cpu = [(s.server_cpu_s + s.fold_cpu_s) / s.requests * 1000 for s in ev]
        rows = [
            ("events/s (wall)", [x * batch for x in ev_rps], ",.0f"),
            ("events req/s", ev_rps, ",.0f"),
            ("trivial req/s", tr_rps, ",.0f"),
            ("ratio events req/s / trivial req/s", [e / t for e, t in zip(ev_rps, tr_rps, strict=True)], ".3f"),
            ("server CPU ms/request, events", ev_cpu, ".2f"),
            ("  of which the fold after the blocks", [s.fold_cpu_s / s.requests * 1000 for s in ev], ".2f"),
            ("server CPU ms/request, trivial", [s.server_cpu_s / s.requests * 1000 for s in tr], ".2f"),
            ("events/s if CPU-bound (batch / CPU)", [batch / c * 1000 for c in ev_cpu], ",.0f"),
            ("server CPU busy in events blocks", [s.server_cpu_s / s.wall_s for s in ev], ".0%"),
            ("server CPU busy in trivial blocks", [s.server_cpu_s / s.wall_s for s in tr], ".0%"),
            ("client CPU ms/request, events", [s.client_cpu_s / s.requests * 1000 for s in ev], ".2f"),
            ("client CPU ms/request, trivial", [s.client_cpu_s / s.requests * 1000 for s in tr], ".2f"),
        ]
        print(f"  {label}  (min / median / max of {len(ev)} runs)")
        for name, values, fmt in rows:
            print(f"    {name:38s} {spread(values, fmt)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per side per run (default 10)")
    parser.add_argument("--batch", type=int, default=20, help="events per request (feed.js: 20; at most 200)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2, help="client threads, one keep-alive connection each")
    parser.add_argument("--src", action="append", metavar="LABEL=DIR",
                        help="the havre package to serve (repeat to compare codes in turn; default: this checkout)")
    parser.add_argument("--profile", action="store_true",
                        help="one more run per code with the parts of a request timed inside the server (thread "
                             "CPU time during the events blocks; its figures are not counted)")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # child: build an instance here
    args = parser.parse_args()
    if args.build:
        build(args.build)
        return
    wanted = args.src or [f"this={ROOT / 'src'}"]
    codes = [(label, Path(d).resolve()) for label, _, d in (s.partition("=") for s in wanted)]
    print(f"uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min), "
          f"{os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        work = Path(name)
        infos: dict[str, dict[str, object]] = {}
        for label, src in codes:
            made = subprocess.run([sys.executable, __file__, "--build", str(work / f"{label}-template")],
                                  env=code_env(src), capture_output=True, text=True)
            if made.returncode:
                raise SystemExit(f"building {label}'s instance failed:\n{made.stderr[-3000:]}")
            infos[label] = json.loads(made.stdout.strip().splitlines()[-1])
            print(f"  {label}: havre imported from {infos[label]['havre']}", flush=True)
        print(f"POST {EVENTS} (batches of {args.batch}, {MEMBERS} members, {VIDEOS} public videos) vs GET {TRIVIAL}, "
              f"one havre serve per code and run, {args.clients} client thread(s), {args.seconds:g} s per side per "
              f"run in blocks of {args.seconds / 2:g} s, HAVRE_RATE_LIMIT_FACTOR={FACTOR} (limits counted, never "
              f"reached), in-process job runner on (folds inside the server)", flush=True)
        runs: list[Run] = []
        for run in range(1, args.runs + 1):
            for label, src in codes:
                runs.append(measure(label, src, work / f"{label}-template", infos[label], work, run=run,
                                    seconds=args.seconds, batch=args.batch, clients=args.clients))
        if args.profile:
            for label, src in codes:
                out = work / f"{label}-profile.json"
                profiled = measure(label, src, work / f"{label}-template", infos[label], work, run=0,
                                   seconds=args.seconds, batch=args.batch, clients=args.clients, profile=out)
                print(f"  {label}, a run with the parts timed inside the server (not counted above):")
                print_profile(out, profiled.sides["events"])
    report(runs, args.batch)
    print(f"uptime after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
