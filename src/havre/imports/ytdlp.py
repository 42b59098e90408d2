"""TikTok links through yt-dlp's TikTok extractors, and the metadata of its ``.info.json`` files.

yt-dlp's generic extractor fetches whatever it is given, so a pasted link could make the server
read its own network. Here a link reaches yt-dlp only when one of its TikTok extractors claims it
(checked before extraction, and ``allowed_extractors`` keeps every other one out of the run, the
redirect of a short link included); each request yt-dlp makes while reading the page must go to
TikTok's own domains, at a public address. yt-dlp downloads nothing: the media URL it finds, and
the subtitles, are downloaded by ``fetch.download`` through the guarded fetcher.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from havre.errors import N_
from havre.imports.fetch import FetchError, FetchPolicy, download
from havre.net.guarded import Guard, Refused

VIDEO_URL = re.compile(r"https?://(?:www\.|m\.)?(?:tiktok\.com/@[^/]+/(?:video|photo)/|tiktokv\.com/share/video/)(\d+)")
PROFILE_URL = re.compile(r"https?://(?:www\.|m\.)?tiktok\.com/@([A-Za-z0-9_.]+)/?(?:\?.*)?$")
# yt-dlp's extractors for a video, a short link (vm.tiktok.com) and a profile: by ie_key, and by
# name as ``allowed_extractors`` matches them (regular expressions, whole name, any case).
VIDEO_EXTRACTORS = ("TikTok", "TikTokVM")
PROFILE_EXTRACTOR = "TikTokUser"
ALLOWED_EXTRACTORS = ["tiktok", r"vm\.tiktok", "tiktok:user"]
TIKTOK_DOMAINS = ("tiktok.com", "tiktokv.com", "tiktokv.us", "tiktokv.eu", "tiktokcdn.com", "tiktokcdn-us.com",
                  "tiktokcdn-eu.com")
SAFE = re.compile(r"[^A-Za-z0-9_-]")
SUBTITLE_MAX = 1 << 20
LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # a language tag, as a subtitle track is named
log = logging.getLogger(__name__)


def subtitle_ok(lang: str, data: bytes) -> bool:
    """Whether a subtitle track may be kept, wherever it came from (yt-dlp, a folder, an archive):
    a language tag, at most ``SUBTITLE_MAX`` bytes, and WebVTT. Browsers parse it, never the server."""
    return (LANG.fullmatch(lang) is not None and len(data) <= SUBTITLE_MAX
            and data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"))


def polite_sleep(url: str) -> float:
    """Seconds to wait between requests: TikTok rate-limits eager clients; other hosts need none."""
    host = urlsplit(url).hostname or ""
    return 1.0 if host == "tiktok.com" or host.endswith((".tiktok.com", ".tiktokv.com")) else 0.0


def tiktok_id_of(url: str) -> str | None:
    match = VIDEO_URL.match(url)
    return match.group(1) if match else None


GONE = N_("Could not read the TikTok page %(url)s: the video may be private or deleted.")
# No answer at all (no network, a name that does not resolve, a refused or timed-out connection):
# said apart from GONE, which is TikTok's own answer.
UNREACHABLE = N_("Could not reach %(host)s: check the connection and try again.")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url)[:200]


def _unreachable(exc: BaseException) -> bool:
    """Whether yt-dlp failed for want of a connection rather than for what TikTok answered: its
    DownloadError wraps the ExtractorError that wraps the transport error (a TransportError, or
    the guard's Refused for a name that does not resolve). An HTTP answer is not among them."""
    from yt_dlp.networking.exceptions import TransportError  # a second to load: only imports of links need it

    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, Refused | TransportError):
            return True
        info = getattr(error, "exc_info", None)
        todo += [getattr(error, "cause", None), error.__cause__, error.__context__,
                 info[1] if isinstance(info, tuple) and len(info) > 1 else None]
    return False


def tiktok_extractor(url: str, keys: tuple[str, ...] = (*VIDEO_EXTRACTORS, PROFILE_EXTRACTOR)) -> str | None:
    """The ie_key of the yt-dlp TikTok extractor that claims ``url``; None for any other link."""
    # yt-dlp takes a second to load: only imports of links need it.
    from yt_dlp.extractor import get_info_extractor

    return next((key for key in keys if get_info_extractor(key).suitable(url)), None)


def on_tiktok(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().removesuffix(".")
    return any(host == domain or host.endswith("." + domain) for domain in TIKTOK_DOMAINS)


def _options(cookies_file: Path | None) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "quiet": True, "no_warnings": True, "noprogress": True, "retries": 3, "socket_timeout": 30,
        "allowed_extractors": ALLOWED_EXTRACTORS,
        "format": "b[ext=mp4]/b",  # one file with sound and picture: fetched by us, nothing to merge
        "writesubtitles": True, "subtitlesformat": "vtt",
    }
    if cookies_file is not None:
        opts["cookiefile"] = str(cookies_file)  # for private accounts: cookies exported from a browser
    return opts


def _youtube_dl(opts: dict[str, Any], guard: Guard) -> Any:
    """A YoutubeDL whose every request goes to TikTok's domains at an address ``guard`` allows."""
    import yt_dlp  # a second to load: only imports of links need it

    ydl = yt_dlp.YoutubeDL(opts)
    send = ydl.urlopen

    def urlopen(request: Any) -> Any:
        url = request if isinstance(request, str) else request.url
        if not on_tiktok(url):
            raise Refused(f"yt-dlp asked for {url[:200]}, not on TikTok")
        guard.pin(httpx.URL(url))
        return send(request)

    ydl.urlopen = urlopen
    return ydl


def _extract(url: str, ie_key: str, opts: dict[str, Any], guard: Guard) -> tuple[dict[str, Any], dict[str, str]]:
    """yt-dlp's info for one page (nothing downloaded), and the headers its media URL wants."""
    with _youtube_dl(opts, guard) as ydl:
        info = ydl.extract_info(url, download=False, ie_key=ie_key) or {}
        headers = {str(k): str(v) for k, v in (info.get("http_headers") or {}).items()}
        if isinstance(info.get("url"), str):  # TikTok's CDN wants the cookies its page set
            cookie = ydl.cookiejar.get_cookie_header(info["url"])
            if cookie:
                headers["Cookie"] = cookie
    return info, headers


def expand_profile(url: str, *, guard: Guard, max_items: int, cookies_file: Path | None = None) -> list[str]:
    """The video URLs of a profile page (yt-dlp lists them without downloading), at most ``max_items`` + 1."""
    import yt_dlp  # a second to load: only imports of links need it

    if tiktok_extractor(url, (PROFILE_EXTRACTOR,)) is None:
        raise FetchError(N_("%(url)s is not a TikTok link."), url=url[:200])
    opts = {**_options(cookies_file), "extract_flat": "in_playlist", "playlistend": max_items + 1}
    try:
        with _youtube_dl(opts, guard) as ydl:
            info = ydl.extract_info(url, download=False, ie_key=PROFILE_EXTRACTOR) or {}
    except (yt_dlp.utils.DownloadError, Refused) as exc:
        log.info("yt-dlp could not list %s: %s", url[:200], exc)
        if _unreachable(exc):
            raise FetchError(UNREACHABLE, retryable=True, host=_host(url)) from None
        raise FetchError(N_("Could not list the videos of %(url)s: the account may be private, or TikTok "
                            "refused for now; try again later."), url=url[:200]) from None
    entries = [e.get("url") or e.get("webpage_url") for e in info.get("entries") or [] if isinstance(e, dict)]
    return [entry for entry in entries if isinstance(entry, str)]


def download_page(url: str, workdir: Path, *, guard: Guard, policy: FetchPolicy, cookies_file: Path | None = None,
                  sleep_s: float = 0) -> tuple[Path, dict[str, Any]]:
    """One TikTok video: yt-dlp reads its page, ``download`` fetches its media; returns the file and the info."""
    import yt_dlp  # a second to load: only imports of links need it

    ie_key = tiktok_extractor(url, VIDEO_EXTRACTORS)
    if ie_key is None:  # never the generic extractor: it would fetch anything at all
        raise FetchError(N_("%(url)s is not a TikTok video link."), url=url[:200])
    if sleep_s:
        time.sleep(random.uniform(sleep_s, sleep_s * 3))  # be polite to TikTok
    try:
        info, headers = _extract(url, ie_key, _options(cookies_file), guard)
    except (yt_dlp.utils.DownloadError, Refused) as exc:
        log.info("yt-dlp could not read %s: %s", url[:200], exc)
        if _unreachable(exc):
            raise FetchError(UNREACHABLE, retryable=True, host=_host(url)) from None
        raise FetchError(GONE, url=url[:200]) from None
    media = info.get("url")
    if not isinstance(media, str):
        raise FetchError(GONE, url=url[:200])
    stem = SAFE.sub("", str(info.get("id") or ""))[:64] or "video"
    path = workdir / f"{stem}.{SAFE.sub('', str(info.get('ext') or ''))[:8] or 'mp4'}"
    download(media, path, guard=guard, policy=policy, headers=headers)
    _subtitles(info, workdir, stem, guard, replace(policy, attempts=1, max_bytes=SUBTITLE_MAX))
    return path, info


def _subtitles(info: dict[str, Any], workdir: Path, stem: str, guard: Guard, policy: FetchPolicy) -> None:
    """The WebVTT subtitles yt-dlp picked, beside the video as ``STEM.LANG.vtt``."""
    for lang, sub in (info.get("requested_subtitles") or {}).items():
        name = SAFE.sub("", str(lang))[:20]
        if name and isinstance(sub, dict) and sub.get("ext") == "vtt" and isinstance(sub.get("url"), str):
            try:
                download(sub["url"], workdir / f"{stem}.{name}.vtt", guard=guard, policy=policy)
            except FetchError:
                pass  # a subtitle that cannot be had does not cost the video


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
