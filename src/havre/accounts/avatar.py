"""Profile pictures: sniffed, re-encoded to a 256x256 JPEG in a sandboxed ffmpeg, metadata dropped."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import BinaryIO

from havre.errors import N_, InvalidInput, TooLarge
from havre.media.errors import MediaRejected
from havre.media.ffmpeg import run_ffmpeg

MAX_AVATAR_BYTES = 10 * 2**20
SIZE = 256


def _demuxer(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg_pipe"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png_pipe"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp_pipe"
    raise InvalidInput(N_("Profile pictures must be JPEG, PNG or WebP images."), field="avatar")


def normalize_avatar(src: Path) -> bytes:
    """Return the JPEG bytes to store, or raise InvalidInput naming what is wrong."""
    size = src.stat().st_size
    if size == 0 or size > MAX_AVATAR_BYTES:
        raise InvalidInput(N_("Profile pictures must be between 1 byte and %(limit)s MiB."),
                           field="avatar", limit=MAX_AVATAR_BYTES // 2**20)
    with open(src, "rb") as f:
        demuxer = _demuxer(f.read(16))
    with tempfile.TemporaryDirectory(prefix="havre-avatar-") as tmp:
        out = Path(tmp) / "avatar.jpg"
        try:
            # Forcing the demuxer means ffmpeg never guesses a format (or a protocol) from content.
            run_ffmpeg(["-f", demuxer, "-i", str(src),
                        "-vf", f"scale={SIZE}:{SIZE}:force_original_aspect_ratio=increase,crop={SIZE}:{SIZE}",
                        "-frames:v", "1", "-map_metadata", "-1", "-q:v", "3", "-y", str(out)], timeout_s=30)
        except MediaRejected as exc:
            raise InvalidInput(N_("This image could not be read; try another file."), field="avatar") from exc
        except Exception as exc:  # ffmpeg failed to decode: a corrupt image
            raise InvalidInput(N_("This image is damaged or not really an image; try another file."),
                               field="avatar") from exc
        if not out.exists() or out.stat().st_size == 0:
            raise InvalidInput(N_("This image is damaged or not really an image; try another file."), field="avatar")
        return out.read_bytes()


def read_avatar(image: BinaryIO) -> bytes:
    """The JPEG to store for an uploaded picture: at most the limit is read, then normalized."""
    data = image.read(MAX_AVATAR_BYTES + 1)
    if len(data) > MAX_AVATAR_BYTES:
        raise TooLarge(N_("Profile pictures are at most %(limit)s MiB."), field="avatar",
                       limit=MAX_AVATAR_BYTES // 2**20)
    with tempfile.TemporaryDirectory(prefix="havre-avatar-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        return normalize_avatar(path)
