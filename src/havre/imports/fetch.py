"""Getting the files of an import: plain links (the export's CDN URLs) and page URLs (yt-dlp).

Downloads stream to disk in blocks (memory stays flat whatever the size), stop at the size
limit, retry what may pass (timeouts, 5xx, 429) with exponential backoff, and turn what will not
pass into a sentence naming the problem and what to do next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from havre.errors import N_

BLOCK = 1 << 16
USER_AGENT = "Havre-import/1.0 (+https://github.com/havre)"


class FetchError(Exception):
    """A link that cannot be fetched; ``message`` is for the creator (translatable template)."""

    def __init__(self, template: str, *, retryable: bool = False, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params, self.retryable = template, params, retryable


@dataclass(frozen=True, kw_only=True)
class FetchPolicy:
    attempts: int = 4
    backoff_s: float = 0.5  # then x4 each attempt: 0.5, 2, 8 seconds
    timeout_s: float = 30.0
    max_bytes: int = 512 * 1024 * 1024


def _classify(response: httpx.Response) -> FetchError | None:
    status = response.status_code
    if status in (401, 403, 410):
        # TikTok's export links are signed and expire after a few days.
        return FetchError(N_("The link has expired (HTTP %(status)s). Request a fresh export from TikTok, or "
                             "import this video by its TikTok URL."), status=status)
    if status == 404:
        return FetchError(N_("The file is gone (HTTP 404). Import this video by its TikTok URL, if it is still "
                             "online."))
    if status == 429 or status >= 500:
        return FetchError(N_("The server answered HTTP %(status)s."), retryable=True, status=status)
    if status >= 400:
        return FetchError(N_("The server refused the download (HTTP %(status)s)."), status=status)
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return FetchError(N_("The link returned a web page, not a media file: it has probably expired. Request "
                             "a fresh export from TikTok, or import this video by its TikTok URL."))
    return None


def _download_once(client: httpx.Client, url: str, dst: Path, policy: FetchPolicy) -> int:
    with client.stream("GET", url) as response:
        problem = _classify(response)
        if problem is not None:
            raise problem
        declared = int(response.headers.get("content-length") or 0)
        if declared > policy.max_bytes:
            raise FetchError(N_("The file is %(size)s MiB; the limit is %(limit)s MiB."),
                             size=declared // 2**20, limit=policy.max_bytes // 2**20)
        written = 0
        with open(dst, "wb") as out:
            for block in response.iter_bytes(BLOCK):
                written += len(block)
                if written > policy.max_bytes:  # do not trust Content-Length alone
                    raise FetchError(N_("The file is larger than the %(limit)s MiB limit."),
                                     limit=policy.max_bytes // 2**20)
                out.write(block)
        if declared and written != declared:
            raise FetchError(N_("The download stopped early (%(got)s of %(want)s bytes)."), retryable=True,
                             got=written, want=declared)
        if written == 0:
            raise FetchError(N_("The link returned an empty file."))
        return written


def download(url: str, dst: Path, *, policy: FetchPolicy = FetchPolicy(), client: httpx.Client | None = None) -> int:
    """Download ``url`` to ``dst``; returns the size. Raises FetchError with a reason a person can act on."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(N_("%(url)s is not a web link."), url=url[:200])
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=policy.timeout_s,
                                    headers={"User-Agent": USER_AGENT})
    try:
        for attempt in range(policy.attempts):
            try:
                return _download_once(client, url, dst, policy)
            except FetchError as exc:
                if not exc.retryable or attempt == policy.attempts - 1:
                    dst.unlink(missing_ok=True)
                    raise
            except httpx.TimeoutException:
                if attempt == policy.attempts - 1:
                    dst.unlink(missing_ok=True)
                    raise FetchError(N_("The download timed out %(n)s times; try again later."),
                                     n=policy.attempts) from None
            except httpx.HTTPError as exc:
                if attempt == policy.attempts - 1:
                    dst.unlink(missing_ok=True)
                    raise FetchError(N_("The download failed: %(error)s."), error=str(exc)[:200]) from None
            time.sleep(policy.backoff_s * 4 ** attempt)
        raise AssertionError("unreachable")
    finally:
        if own:
            client.close()
