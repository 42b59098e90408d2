"""Content types of the files the pipeline produces (mimetypes guesses .ts wrong)."""

from __future__ import annotations

from pathlib import PurePath

MEDIA_TYPES = {".mp4": "video/mp4", ".ts": "video/mp2t", ".m4s": "video/iso.segment",
               ".m3u8": "application/vnd.apple.mpegurl", ".jpg": "image/jpeg", ".vtt": "text/vtt"}


def media_type(path: str | PurePath) -> str | None:
    return MEDIA_TYPES.get(PurePath(path).suffix.lower())
