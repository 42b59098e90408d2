"""Who a job runner is across restarts, so that a restarted runner takes back its own jobs at once.

A running job holds a lease (``Job.locked_until``) that a heartbeat renews; a runner that dies
stops renewing it, and another runner may take the job once it runs out (``job_lease_s``, 60 s by
default). That is the only safe rule between machines: one cannot tell a dead machine from a slow
one. But a runner that restarts on the same data dir can prove that the previous holder is gone,
and then need not wait out the lease.

The proof is an OS file lock. The data dir holds ``runners/id`` (a random id, made once) and lock
files ``runners/slot-N.lock``; each runner takes the first slot no live process holds, with
``flock``. The kernel releases a lock when its process dies, however it dies (kill -9 included), so
a runner that gets slot N knows no live process holds it. A runner's name is
``ID.N@HOST:PID``; every job it leases says so in ``locked_by``. So a runner that gets slot N takes
back, at once, the running jobs whose name starts ``ID.N@HOST:`` (they belong to a dead process)
and leaves every other lease alone.

Why not "same host, pid no longer alive": pids are reused (a container's server is often pid 1
every time), and two containers with one hostname have separate pid spaces where a live process
of the other looks dead. A file lock has neither problem. The random id keeps apart two machines
whose data dirs sit at the same path (each has its own id), and the host name keeps apart a data
dir copied to a second machine that shares the database. Where the data dir is not writable or
``flock`` does not exist (Windows), a runner has no slot: its jobs wait for their lease, as before.
"""

from __future__ import annotations

import os
import socket
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock, so no slot; leases alone apply
    fcntl = None  # type: ignore[assignment]

RUNNERS_DIR = "runners"
MAX_SLOTS = 64  # runners at once on one data dir (processes, or runners in one process)
NAME_MAX = 64  # Job.locked_by's length


@dataclass(eq=False)
class RunnerSlot:
    """A slot held by this process until ``release()`` (or until the process ends)."""

    prefix: str  # ``ID.N@HOST:``: the part of the name that stays the same across restarts
    fd: int
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self) -> None:
        # Closing the descriptor releases the lock; a runner dropped without release() closes it too.
        self._closer = weakref.finalize(self, os.close, self.fd)

    @property
    def name(self) -> str:
        return f"{self.prefix}{self.pid}"[:NAME_MAX]

    def release(self) -> None:
        self._closer()

    def drop_inherited(self) -> None:
        """In a forked child: let go of the parent's descriptor (the parent's lock stays)."""
        if self._closer.detach() is not None:
            os.close(self.fd)


def _instance_id(folder: Path) -> str:
    """The data dir's runner id, made once (two processes racing to make it agree on one)."""
    path = folder / "id"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(uuid.uuid4().hex[:12] + "\n")
    return path.read_text().strip()


def _lock(path: Path) -> int | None:
    """An open descriptor holding ``path``'s exclusive lock, or None when a live process holds it."""
    assert fcntl is not None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def take_slot(data_dir: Path) -> RunnerSlot | None:
    """The first free slot of ``data_dir``; None when there is none or locks are not to be had."""
    if fcntl is None:
        return None
    folder = Path(data_dir) / RUNNERS_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        instance = _instance_id(folder)
        host = socket.gethostname()[:32]
        for n in range(MAX_SLOTS):
            fd = _lock(folder / f"slot-{n}.lock")
            if fd is not None:
                return RunnerSlot(prefix=f"{instance}.{n}@{host}:", fd=fd)
    except OSError:  # a read-only or missing data dir: run without a slot
        return None
    return None
