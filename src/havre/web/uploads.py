"""Receiving uploaded files: spooled to disk in blocks, refused as soon as they pass the limit."""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from havre.errors import N_, TooLarge


def spool(upload: UploadFile, limit: int, dst: Path, *, field: str = "file") -> int:
    written = 0
    with open(dst, "wb") as out:
        while block := upload.file.read(1 << 20):
            written += len(block)
            if written > limit:
                raise TooLarge(N_("The file is larger than the %(limit)s MiB limit."), field=field,
                               limit=limit // 2**20)
            out.write(block)
    return written
