"""The instance secret (it signs CSRF tokens): one per data dir, however many processes start at
once, never read half-written, never readable by other users."""

from __future__ import annotations

import multiprocessing
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from havre.config import load_settings


@pytest.fixture(autouse=True)
def no_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAVRE_SECRET_KEY", raising=False)


def _key_of(data: str) -> bytes:
    """What a process starting on ``data`` takes as its secret (also run in processes of its own)."""
    return load_settings(data_dir=Path(data)).secret_key()


def test_processes_and_threads_starting_together_share_one_private_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keys: set[bytes] = set()
    for round_ in range(5):  # several fresh data dirs: the race is at the first start
        folder = str(data / str(round_))
        with ThreadPoolExecutor(8) as threads:
            from_threads = set(threads.map(_key_of, [folder] * 16))
        with multiprocessing.get_context("spawn").Pool(4) as processes:
            from_processes = set(processes.map(_key_of, [folder] * 8))
        assert len(from_threads | from_processes) == 1, "processes of one instance got different secrets"
        key = from_threads.pop()
        assert len(key) == 64
        path = Path(folder) / "secret.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sorted(p.name for p in Path(folder).iterdir()) == ["secret.key"]  # no temporary file left
        keys.add(key)
    assert len(keys) == 5  # each instance its own
