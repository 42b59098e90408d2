"""Havre archives built by hand, hostile ones included: every member is listed in the manifest with
its true size and SHA-256, so an archive gets past the integrity check and reaches what comes after
it (inflating, parsing, extracting) as an attacker's would."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from havre.imports.archive_schema import SCHEMA

CHUNK = 1 << 20
USER_ID = "u" * 16
VIDEO_ID = "v" * 16
CREATED_AT = "2024-05-04T12:00:00+00:00"

Content = bytes | Iterable[bytes]


def valid_row(section: str, **changes: Any) -> dict[str, Any]:
    """A record of ``data/<section>.json`` that the published schema accepts: every field, each of
    the simplest value of its type (a date where it asks for one), then ``changes``."""
    row: dict[str, Any] = {}
    for key, spec in SCHEMA["$defs"][section]["items"]["properties"].items():
        kind = spec.get("type", "object")
        kind = kind[0] if isinstance(kind, list) else kind
        row[key] = CREATED_AT if spec.get("format") == "date-time" else {
            "string": "", "integer": 0, "number": 0.0, "boolean": False, "object": {}, "array": []}[kind]
    return {**row, **changes}


def user_row(**changes: Any) -> dict[str, Any]:
    """A ``users`` row as an export writes it."""
    return valid_row("users", id=USER_ID, handle="sam", display_name="Sam", home_region="local", avatar_key=None,
                     delete_after=None, **changes)


def video_row(video_id: str = VIDEO_ID, **changes: Any) -> dict[str, Any]:
    """A ``videos`` row as an export writes it."""
    return valid_row("videos", **{
        "id": video_id, "owner_id": USER_ID, "caption": "Salut", "visibility": "public", "status": "ready",
        "original_key": f"originals/{video_id}.mp4", "original_sha256": "0" * 64, "original_name": "clip.mp4",
        "duration_s": 1.0, "width": 360, "height": 640, "size_bytes": 1, "allow_comments": True, "error": None,
        "poster_key": None, "mp4_key": None, "hls_key": None, "sound_title": None, "tiktok_id": None,
        "draft": False, "publish_at": None, "trim_start_s": None, "trim_end_s": None, "cover_s": None, **changes})


def write_archive(dst: Path, *, data: Mapping[str, Content | list[Any]], files: Mapping[str, Content] | None = None,
                  counts: Mapping[str, int] | None = None, manifest: Mapping[str, Any] | None = None,
                  without: Iterable[str] = (), padding: Iterable[bytes] = (), compress: bool = True) -> Path:
    """A zip with ``data/<name>.json`` for each of ``data`` (a list is dumped as JSON; bytes or chunks are
    written as given) and each of ``files``, then ``manifest.json`` listing them all, hashed as they stream.
    ``counts`` defaults to each list's length (give it for raw JSON); ``manifest`` changes the manifest,
    ``without`` leaves keys out of it; ``padding``: raw JSON text, the value of one more key of it."""
    listed: list[dict[str, Any]] = []
    found: dict[str, int] = {}
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(dst, "w", method) as zf:
        members: list[tuple[str, Content]] = []
        for name, rows in data.items():
            if isinstance(rows, list):
                found[name] = len(rows)
                members.append((f"data/{name}.json", json.dumps(rows).encode()))
            else:
                members.append((f"data/{name}.json", rows))
        members += list((files or {}).items())
        for name, content in members:
            digest, size = hashlib.sha256(), 0
            with zf.open(name, "w", force_zip64=True) as out:
                for chunk in [content] if isinstance(content, bytes) else content:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            listed.append({"path": name, "size": size, "sha256": digest.hexdigest()})
        body = {"format": "havre-export", "version": 1, "instance": "https://a.example", "created_at": CREATED_AT,
                "user": {"id": USER_ID, "handle": "sam", "home_region": "local"},
                "counts": dict(counts if counts is not None else found), "files": listed, **(manifest or {})}
        for key in without:
            del body[key]
        tail = b"".join(padding)
        zf.writestr("manifest.json", json.dumps(body).encode()[:-1] + (b', "padding": ' + tail if tail else b"") + b"}")
    return dst


def zeros(total: int) -> Iterable[bytes]:
    block = bytes(CHUNK)
    for start in range(0, total, CHUNK):
        yield block[:min(CHUNK, total - start)]


def small_objects(total: int) -> tuple[Iterable[bytes], int]:
    """A JSON array of ``{}`` about ``total`` bytes long, and how many objects it holds: the layout
    that costs the most memory per byte once parsed (each ``{}`` becomes a dict of 64 bytes)."""
    count = max(1, (total - 2) // 3)
    per_chunk = CHUNK // 3

    def chunks() -> Iterable[bytes]:
        yield b"["
        left = count
        while left > 0:
            n = min(per_chunk, left)
            left -= n
            yield b"{}," * (n - 1) + (b"{}" if left == 0 else b"{},")
        yield b"]"
    return chunks(), count


def declare_size(path: Path, member: str, declared: int) -> Path:
    """Make the zip's headers (local and central) say ``member`` inflates to ``declared`` bytes,
    whatever it really holds: what a bomb's maker does to slip past a check of declared sizes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + size_at:start + size_at + 4] = declared.to_bytes(4, "little")
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path
