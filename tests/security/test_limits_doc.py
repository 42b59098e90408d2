"""docs/security.md's table of limits says what the code enforces: each row's numbers are read
from the constants and settings named in it, and a row no check covers fails the test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from havre.accounts import throttle
from havre.accounts.avatar import MAX_AVATAR_BYTES
from havre.accounts.service import MAX_BIO, MAX_DISPLAY_NAME, MAX_PASSWORD_BYTES, MIN_PASSWORD
from havre.config import MediaLimits, Settings
from havre.imports import havre_archive, jsonread, quota
from havre.imports.fetch import FetchPolicy
from havre.imports.limits import MAX_EXPORT_BYTES
from havre.imports.plan import MAX_PHOTOS
from havre.imports.tiktok_export import Limits as TikTokLimits
from havre.imports.ytdlp import SUBTITLE_MAX
from havre.net.guarded import Guard
from havre.social.service import MAX_COMMENT
from havre.videos.service import MAX_CAPTION
from havre.web import connections, limits
from havre.web.api.feed import MAX_PAGE, MAX_PROFILE_PAGE

PAGE = Path(__file__).resolve().parents[2] / "docs" / "security.md"
KIB, MIB = 1 << 10, 1 << 20


def _rows() -> dict[str, str]:
    """The Limits table: what -> limit."""
    section = PAGE.read_text().split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ")]
    return {what.strip(): limit.strip() for what, limit, _where in rows[1:]}


def _n(value: float) -> str:
    return f"{value:,.0f}"


def expected() -> dict[str, list[str]]:
    """For each row, the figures its limit cell must state, from the code."""
    media, settings, tiktok = MediaLimits(), Settings(), TikTokLimits()
    download = FetchPolicy()
    return {
        "request body, by default": [f"{limits.DEFAULT_LIMIT // KIB} KiB"],
        "sign-in and sign-up forms (page and API)": [f"{limits.SIGN_IN_LIMIT // KIB} KiB"],
        "video upload (`POST /api/videos`)": [f"{limits.FORM_OVERHEAD // KIB} KiB"],
        "export or archive upload (`POST /api/imports`)": [f"{MAX_EXPORT_BYTES // MIB} MiB",
                                                           f"{limits.FORM_OVERHEAD // KIB} KiB"],
        "imports running at once, per member": [f"Retry-After: {quota.BUSY_RETRY_S}",
                                                "over a day old" if quota.ABANDONED == timedelta(days=1) else "?"],
        "files in an uploaded zip": [f"{_n(tiktok.max_members)} (TikTok export)",
                                     f"{_n(havre_archive.MAX_MEMBERS)} (Havre archive)"],
        "a zip member's size": ["declared size judged before inflating"],
        "compression ratio of a zip member over 1 MiB": [f"{tiktok.max_ratio} to 1"],
        "everything a zip unpacks to": [f"{tiktok.max_total_bytes // MIB} MiB (TikTok",
                                        f"{havre_archive.MAX_TOTAL_BYTES >> 30} GiB (Havre"],
        "Havre archive: an original, a subtitle track, the avatar": [
            f"{SUBTITLE_MAX // MIB} MiB and WebVTT", f"{MAX_AVATAR_BYTES // MIB} MiB"],
        "Havre archive: manifest.json": [f"{havre_archive.MANIFEST_MAX // MIB} MiB",
                                         f"fits {havre_archive.MANIFEST_BUDGET // MIB} MiB"],
        "Havre archive: a data file, one record": [f"{havre_archive.DATA_MAX // MIB} MiB read one record",
                                                   f"{havre_archive.RECORD_MAX // MIB} MiB a record"],
        "TikTok export: user_data*.json or the TXT files": [
            f"{tiktok.max_member_bytes // MIB} MiB a file", f"{tiktok.max_total_bytes // MIB} MiB together",
            f"fit {tiktok.parse_budget // MIB} MiB"],
        "JSON nesting in an export or archive": [f"{jsonread.MAX_DEPTH} levels"],
        "follows, others' comments, interests kept from an archive": [f"{_n(havre_archive.MAX_KEPT)} each"],
        "profile picture (`POST /api/me/avatar`, the settings form)": [f"{MAX_AVATAR_BYTES // MIB} MiB"],
        "time to send a request's headers (slowloris)": [f"{connections.HEADER_TIMEOUT_S:g} s"],
        "open connections per client address": [f"{connections.MAX_CONNECTIONS_PER_ADDRESS}"],
        "a body that stalls / is slow": [f"no byte for {limits.BODY_IDLE_S:g} s",
                                         f"{limits.SMALL_BODY_DEADLINE_S:g} s",
                                         f"{limits.MIN_UPLOAD_RATE // KIB} KiB/s"],
        "a declared `Content-Length` over the limit": ["413"],
        "failed logins per handle and address": [f"{settings.login_max_failures} in {settings.login_window_s // 60} "
                                                 "minutes"],
        "failed logins per account, any address": [
            f"{throttle.ACCOUNT_MAX_FAILURES} in an hour" if throttle.ACCOUNT_WINDOW.total_seconds() == 3600 else "?",
            f"lock it {throttle.FIRST_LOCK.total_seconds() / 3600:g} hour",
            f"up to {throttle.LONGEST_LOCK.total_seconds() / 3600:g} hours"],
        "passwords": [f"{MIN_PASSWORD} characters to {MAX_PASSWORD_BYTES // KIB} KiB"],
        "items per import": [_n(settings.import_max_items), f"{MAX_PHOTOS} images"],
        "each download of an import": [f"{download.max_bytes // MIB} MiB", f"{download.timeout_s:g} s timeout",
                                       f"{download.attempts} tries", f"{Guard.max_redirects} redirects"],
        "uploaded or imported media": [f"{media.max_upload_bytes // MIB} MiB", f"{media.max_duration_s:g} s",
                                       f"{media.max_pixels // 2304}×2304",
                                       f"{media.transcode_timeout_s:g} s"],
        "captions, comments, bios, display names": [f"{_n(MAX_CAPTION)}, {_n(MAX_COMMENT)}, {MAX_BIO} and "
                                                    f"{MAX_DISPLAY_NAME} characters"],
        "feed pages": [f"{MAX_PAGE} videos ({MAX_PROFILE_PAGE} on a profile)"],
    }


def test_every_limit_in_the_security_page_is_the_codes() -> None:
    rows, wanted = _rows(), expected()
    assert sorted(rows) == sorted(wanted), "a row of docs/security.md's Limits table has no check here (or lost one)"
    wrong = {what: (rows[what], figure) for what, figures in wanted.items() for figure in figures
             if figure not in rows[what]}
    assert wrong == {}, "docs/security.md's Limits table says other numbers than the code"
