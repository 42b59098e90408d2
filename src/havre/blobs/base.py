"""The BlobStore protocol every store implements (local directory now, S3 later).

Keys are relative, slash-separated paths such as ``videos/ab12/original``.
Anything that could escape the store (``..``, absolute paths, backslashes,
control characters) is refused by ``check_key`` before any implementation sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*(/[A-Za-z0-9_\-][A-Za-z0-9_.\-]*)*$")


class BlobNotFound(KeyError):
    pass


class InvalidBlobKey(ValueError):
    pass


def check_key(key: str) -> str:
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")) or len(key) > 512:
        raise InvalidBlobKey(f"invalid blob key {key!r}")
    return key


class BlobStore(Protocol):
    def put_file(self, key: str, src: Path, *, content_type: str | None = None) -> None: ...
    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def download(self, key: str, dst: Path) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def size(self, key: str) -> int: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> int: ...
    def keys(self, prefix: str = "") -> Iterator[str]: ...
    def local_path(self, key: str) -> Path | None:
        """A filesystem path when the store is local (lets the web server stream it)."""
        ...
