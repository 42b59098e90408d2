"""Downloads from TikTok's CDN: what passes after retries, and what each failure says."""

from __future__ import annotations

from pathlib import Path

import pytest

from havre.imports.fetch import FetchError, FetchPolicy, download
from havre.net.guarded import Guard
from tests.imports.cdn import ALLOWED as CDN
from tests.imports.cdn import fake_cdn

FAST = FetchPolicy(attempts=3, backoff_s=0.01, timeout_s=1.0, max_bytes=10 << 20)


def test_a_slow_link_times_out_after_its_retries_and_leaves_no_file(tmp_path: Path) -> None:
    dst = tmp_path / "video"
    with fake_cdn() as cdn, pytest.raises(FetchError, match="timed out 3 times; try again later"):
        download(cdn.link("slow.mp4"), dst, guard=CDN, policy=FAST)
    assert cdn.hits["slow.mp4"] == 3 and not dst.exists()


def test_a_busy_server_is_retried_until_it_answers(tmp_path: Path, h264_clip: Path) -> None:
    with fake_cdn({"a.mp4": h264_clip}) as cdn:
        size = download(cdn.link("flaky-a.mp4"), tmp_path / "video", guard=CDN, policy=FAST)
    assert size == h264_clip.stat().st_size == (tmp_path / "video").stat().st_size
    assert cdn.hits["flaky-a.mp4"] == 3


def test_a_file_over_the_limit_is_refused_while_streaming(tmp_path: Path, h264_clip: Path) -> None:
    dst = tmp_path / "video"
    with fake_cdn({"a.mp4": h264_clip}) as cdn, pytest.raises(FetchError, match="MiB; the limit is 0 MiB"):
        download(cdn.link("a.mp4"), dst, guard=CDN, policy=FetchPolicy(max_bytes=1000))
    assert not dst.exists()


@pytest.mark.parametrize("name,message", [("gone.mp4", "HTTP 404"), ("expired.mp4", "expired \\(HTTP 403\\)"),
                                          ("html.mp4", "web page, not a media file")])
def test_failures_that_retrying_cannot_fix_are_not_retried(tmp_path: Path, name: str, message: str) -> None:
    with fake_cdn() as cdn, pytest.raises(FetchError, match=message):
        download(cdn.link(name), tmp_path / "video", guard=CDN, policy=FAST)
    assert cdn.hits[name] == 1


def test_only_web_links_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="file:///etc/passwd is not a web link"):
        download("file:///etc/passwd", tmp_path / "x", guard=CDN)


def test_without_the_allowlist_a_member_cannot_download_from_the_loopback_cdn(tmp_path: Path, h264_clip: Path) -> None:
    with fake_cdn({"a.mp4": h264_clip}) as cdn, pytest.raises(FetchError, match="Could not connect"):
        download(cdn.link("a.mp4"), tmp_path / "video", guard=Guard.for_members(), policy=FAST)
    assert cdn.hits == {} and not (tmp_path / "video").exists()
