"""BlobStore over a local directory; writes are atomic (temp file + rename)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from havre.blobs.base import BlobNotFound, InvalidBlobKey, check_key


class LocalBlobStore:
    def __init__(self, *, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # Belt and braces after check_key: a symlink inside the store must not lead out of it.
        if not path.is_relative_to(self.root):
            raise InvalidBlobKey(f"invalid blob key {key!r}")
        return path

    def _write_atomic(self, key: str, write: Callable[[BinaryIO], object]) -> None:
        dst = self._path(key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, dst)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, src: Path, *, content_type: str | None = None) -> None:
        def copy(out: BinaryIO) -> None:
            with open(src, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)

        self._write_atomic(key, copy)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._write_atomic(key, lambda out: out.write(data))

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def download(self, key: str, dst: Path) -> None:
        with self.open(key) as f, open(dst, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if base.is_file():
            base.unlink()
            return 1
        if not base.is_dir():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base)
        return count

    def keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None
