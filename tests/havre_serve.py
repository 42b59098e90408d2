"""Real `havre serve` processes over a test's instance (its stores, its regions), on loopback ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from havre.config import Settings
from tests.conftest import CHEAP_PAGE, free_port
from tests.scale_mode import scale_mode

START_S = 60.0  # a cold start imports the app and migrates; on a busy CI machine it takes a while


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def server_env(settings: Settings, tmp_path: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that makes `havre serve` open this test's instance (its stores, its regions)."""
    env = {**os.environ, "HAVRE_DATA_DIR": str(settings.data_dir),
           "HAVRE_REGIONS": ",".join(r.name for r in settings.regions),
           "HAVRE_SECRET_KEY": settings.secret_key().decode(),
           "HAVRE_RATE_LIMIT_FACTOR": str(settings.rate_limit_factor), **(extra or {})}
    if scale_mode():
        config = tmp_path / "havre.toml"
        lines = [f'directory_url = "{settings.directory_url}"']
        for region in settings.regions:
            lines += [f"[regions.{region.name}]", f'database_url = "{region.database_url}"',
                      f'blob_url = "{region.blob_url}"']
        config.write_text("\n".join(lines) + "\n")
        env["HAVRE_CONFIG"] = str(config)
    return env


@contextmanager
def havre_servers(settings: Settings, tmp_path: Path, count: int, *,
                  env: Mapping[str, str] | None = None) -> Iterator[list[Served]]:
    """``count`` `havre serve` processes, each answering a first request; stopped afterwards."""
    environment = server_env(settings, tmp_path, env)
    procs: list[tuple[subprocess.Popen[bytes], Served]] = []
    try:
        for n in range(count):
            port = free_port()
            served = Served(url=f"http://127.0.0.1:{port}", port=port, log=tmp_path / f"server{n}.log")
            with open(served.log, "wb") as out:
                procs.append((subprocess.Popen([sys.executable, "-m", "havre", "serve", "--port", str(port)],
                                               env=environment, stdout=out, stderr=subprocess.STDOUT), served))
        for proc, served in procs:
            deadline = time.monotonic() + START_S
            while True:
                assert proc.poll() is None, served.log_text()[-3000:]
                try:
                    # A page that reads nothing: a feed read here, served for the first region,
                    # would fill the candidate pools before the test's own requests.
                    if httpx.get(served.url + CHEAP_PAGE, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, served.log_text()[-3000:]
                time.sleep(0.2)
        yield [served for _, served in procs]
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:  # a job may still be finishing: don't wait on it
                proc.kill()
                proc.wait(5)
