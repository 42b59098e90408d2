"""TikTok page URLs through yt-dlp's Python API, and the metadata of its ``.info.json`` files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from havre.errors import N_
from havre.imports.fetch import FetchError

VIDEO_URL = re.compile(r"https?://(?:www\.|m\.)?(?:tiktok\.com/@[^/]+/(?:video|photo)/|tiktokv\.com/share/video/)(\d+)")
PROFILE_URL = re.compile(r"https?://(?:www\.|m\.)?tiktok\.com/@([A-Za-z0-9_.]+)/?(?:\?.*)?$")


def polite_sleep(url: str) -> float:
    """Seconds to wait between requests: TikTok rate-limits eager clients; other hosts need none."""
    host = urlsplit(url).hostname or ""
    return 1.0 if host == "tiktok.com" or host.endswith((".tiktok.com", ".tiktokv.com")) else 0.0


def tiktok_id_of(url: str) -> str | None:
    match = VIDEO_URL.match(url)
    return match.group(1) if match else None


def _options(workdir: Path | None, cookies_file: Path | None, sleep_s: float) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "quiet": True, "no_warnings": True, "noprogress": True, "retries": 3, "fragment_retries": 3,
        "socket_timeout": 30, "format": "mp4/bestvideo*+bestaudio/best", "noplaylist": False,
        "writesubtitles": True, "subtitlesformat": "vtt", "writethumbnail": True,
    }
    if sleep_s:
        opts.update(sleep_interval=sleep_s, max_sleep_interval=sleep_s * 3)  # be polite to TikTok
    if workdir is not None:
        opts["outtmpl"] = str(workdir / "%(id)s.%(ext)s")
    if cookies_file is not None:
        opts["cookiefile"] = str(cookies_file)  # for private accounts: cookies exported from a browser
    return opts


def expand_profile(url: str, *, cookies_file: Path | None = None) -> list[str]:
    """The video URLs of a profile page (yt-dlp lists them without downloading)."""
    import yt_dlp

    opts = {**_options(None, cookies_file, 0), "extract_flat": "in_playlist"}
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=False)
    except yt_dlp.utils.DownloadError as exc:
        raise FetchError(N_("yt-dlp could not list %(url)s: %(error)s"), url=url, error=_short(exc)) from None
    return [e.get("url") or e.get("webpage_url") for e in (info or {}).get("entries") or [] if e]


def download_page(url: str, workdir: Path, *, cookies_file: Path | None = None,
                  sleep_s: float = 0) -> tuple[Path, dict[str, Any]]:
    """Download one video page's media with yt-dlp; returns the file and yt-dlp's info."""
    import yt_dlp

    try:
        with yt_dlp.YoutubeDL(_options(workdir, cookies_file, sleep_s)) as ydl:
            info = ydl.extract_info(url, download=True)
            path = Path(ydl.prepare_filename(info))
    except yt_dlp.utils.DownloadError as exc:
        raise FetchError(N_("yt-dlp could not download %(url)s: %(error)s"), url=url, error=_short(exc)) from None
    if not path.exists():
        raise FetchError(N_("yt-dlp could not download %(url)s: %(error)s"), url=url, error="no file written")
    return path, info


def _short(exc: Exception) -> str:
    return str(exc).replace("ERROR: ", "").strip()[:300]


def spec_from_info(info: dict[str, Any]) -> dict[str, Any]:
    """Caption, date, sound and counts from a yt-dlp info dict (a download or an .info.json)."""
    when = None
    if info.get("timestamp"):
        when = datetime.fromtimestamp(float(info["timestamp"]), UTC).isoformat()
    elif info.get("upload_date"):
        when = datetime.strptime(str(info["upload_date"]), "%Y%m%d").replace(tzinfo=UTC).isoformat()
    sound = info.get("track")
    if sound and info.get("artist"):
        sound = f"{sound} - {info['artist']}"
    counts = {name: int(info[key]) for name, key in (("likes", "like_count"), ("views", "view_count"),
                                                      ("comments", "comment_count"), ("shares", "repost_count"))
              if isinstance(info.get(key), int | float)}
    page = info.get("webpage_url") or ""
    return {"caption": info.get("description") or info.get("title") or "", "posted_at": when,
            "sound": sound, "legacy_counts": counts,
            "tiktok_id": tiktok_id_of(page) or (str(info["id"]) if str(info.get("id", "")).isdigit() else None)}
