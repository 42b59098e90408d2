"""A TikTok link that cannot be read says why: no connection is not "private or deleted"."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import pytest
import yt_dlp
from yt_dlp.networking.exceptions import TransportError
from yt_dlp.utils import ExtractorError

from havre.imports import ytdlp
from havre.imports.fetch import FetchError, FetchPolicy
from havre.net.guarded import Guard

LINK = "https://www.tiktok.com/@lea/video/7100000000000000001"
FAST = FetchPolicy(attempts=1, backoff_s=0, timeout_s=5)
UNREACHABLE = "Could not reach www.tiktok.com: check the connection and try again."


def _no_dns(host: str, port: int) -> NoReturn:
    raise OSError(-3, "Temporary failure in name resolution")


def _yt_dlp_fails_with(error: Exception) -> Any:
    """An ``_extract`` that fails as yt-dlp does: its DownloadError carrying the extractor's error."""
    def extract(url: str, ie_key: str, opts: dict[str, Any], guard: Guard) -> NoReturn:
        try:
            raise error
        except Exception as exc:
            raise yt_dlp.utils.DownloadError(f"ERROR: {exc}", (type(exc), exc, exc.__traceback__)) from exc
    return extract


def test_no_network_says_so(tmp_path: Path) -> None:
    offline = Guard(public_only=False, resolve=_no_dns)  # the name of TikTok's server does not resolve
    with pytest.raises(FetchError) as failed:
        ytdlp.download_page(LINK, tmp_path, guard=offline, policy=FAST)
    assert str(failed.value) == UNREACHABLE


def test_a_dropped_connection_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cause = TransportError("[Errno 101] Network is unreachable")
    monkeypatch.setattr(ytdlp, "_extract", _yt_dlp_fails_with(ExtractorError("Unable to download webpage",
                                                                             cause=cause)))
    with pytest.raises(FetchError) as failed:
        ytdlp.download_page(LINK, tmp_path, guard=Guard(public_only=False), policy=FAST)
    assert str(failed.value) == UNREACHABLE


def test_a_private_video_still_says_it_may_be_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ytdlp, "_extract", _yt_dlp_fails_with(ExtractorError("This post is private",
                                                                             expected=True)))
    with pytest.raises(FetchError) as failed:
        ytdlp.download_page(LINK, tmp_path, guard=Guard(public_only=False), policy=FAST)
    assert str(failed.value) == f"Could not read the TikTok page {LINK}: the video may be private or deleted."
