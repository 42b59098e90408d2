"""Downloading the files of an import: the export's CDN links, the media URLs yt-dlp finds.

Every download goes through the guarded fetcher (``havre.net.guarded``): a member's import
reaches only public addresses (and the operator's allowlist), redirects included. Downloads
stream to disk in blocks (memory stays flat whatever the size), stop at the size limit, retry
what may pass (timeouts, 5xx, 429) with exponential backoff, and turn what will not pass into a
sentence naming the problem and what to do next. Those sentences never carry a library's error
text, and a refused address, a closed port and a port that speaks something else than HTTP all
read the same, so the messages cannot map the server's network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from havre.errors import N_
from havre.net.guarded import Guard, Refused

BLOCK = 1 << 16
USER_AGENT = "Havre-import/1.0 (+https://github.com/havre)"
COULD_NOT_CONNECT = N_("Could not connect to the server of this link.")
log = logging.getLogger(__name__)


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


def _download_once(guard: Guard, client: httpx.Client, url: str, dst: Path, policy: FetchPolicy,
                   headers: Mapping[str, str] | None) -> int:
    with guard.get(client, url, headers=headers) as response:
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


def download(url: str, dst: Path, *, guard: Guard, policy: FetchPolicy = FetchPolicy(),
             headers: Mapping[str, str] | None = None) -> int:
    """Download ``url`` to ``dst`` through ``guard``; returns the size. Raises FetchError with a
    reason a person can act on. ``headers`` go with the request (not to another host it redirects to)."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(N_("%(url)s is not a web link."), url=url[:200])
    done = False
    try:
        with guard.client(timeout=policy.timeout_s, headers={"User-Agent": USER_AGENT}) as client:
            size = _with_retries(guard, client, url, dst, policy, headers)
        done = True
        return size
    except Refused as exc:  # not retried: the answer would be the same
        log.info("import download of %s refused: %s", url[:200], exc)
        raise FetchError(COULD_NOT_CONNECT) from None
    except httpx.InvalidURL:
        raise FetchError(N_("%(url)s is not a web link."), url=url[:200]) from None
    finally:
        if not done:
            dst.unlink(missing_ok=True)  # a failed download leaves nothing behind


def _with_retries(guard: Guard, client: httpx.Client, url: str, dst: Path, policy: FetchPolicy,
                  headers: Mapping[str, str] | None) -> int:
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        try:
            return _download_once(guard, client, url, dst, policy, headers)
        except FetchError as exc:
            if not exc.retryable or last:
                raise
        except httpx.TimeoutException:
            if last:
                raise FetchError(N_("The download timed out %(n)s times; try again later."),
                                 n=policy.attempts) from None
        except httpx.HTTPError as exc:  # refused, reset, not HTTP at all: they read the same
            if last:
                log.info("import download of %s failed: %r", url[:200], exc)
                raise FetchError(COULD_NOT_CONNECT) from None
        time.sleep(policy.backoff_s * 4 ** attempt)
    raise AssertionError("unreachable")
