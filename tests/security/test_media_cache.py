"""A video made private must stop being served within minutes: public media may sit in shared
caches only briefly, followers-only and private media never, and a presigned URL to the store
lives no longer than a cached copy would."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from havre.web.blob_response import MEDIA_MAX_AGE_S, blob_response
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


def _max_age(cache_control: str) -> int:
    found = re.search(r"max-age=(\d+)", cache_control)
    assert found, cache_control
    return int(found.group(1))


def _presign_expiry_s(location: str) -> int:
    query = parse_qs(urlsplit(location).query)
    return int((query.get("X-Amz-Expires") or query.get("Expires"))[0])  # type: ignore[index]


def _check(response: httpx.Response, *, shared: bool) -> None:
    """Whether the answer may be kept by shared caches, and for no longer than MEDIA_MAX_AGE_S."""
    cache = response.headers["cache-control"]
    if response.status_code == 302:  # a store that presigns (S3): the redirect is the viewer's alone
        assert cache.startswith("private") and _max_age(cache) < _presign_expiry_s(response.headers["location"])
        assert _presign_expiry_s(response.headers["location"]) <= MEDIA_MAX_AGE_S
        return
    assert response.status_code in (200, 206), response.text
    assert cache.startswith("public" if shared else "private") and _max_age(cache) <= MEDIA_MAX_AGE_S


def test_public_media_is_cached_briefly_and_private_media_only_by_its_viewer(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("creator")
    video = upload_ready(client, h264_clip, run_jobs)
    visitor = make_client()
    for name in ("play.mp4", "poster.jpg"):
        _check(visitor.get(f"/media/v/{video}/{name}", follow_redirects=False), shared=True)
    for visibility in ("followers", "private"):
        assert client.patch(f"/api/videos/{video}", json={"visibility": visibility}).status_code == 200
        _check(client.get(f"/media/v/{video}/play.mp4", follow_redirects=False), shared=False)
        assert visitor.get(f"/media/v/{video}/play.mp4", follow_redirects=False).status_code == 404


class PresigningStore:
    """A store that presigns, as S3 does: records how long the URLs it hands out live."""

    def __init__(self) -> None:
        self.expiries: list[int] = []

    def exists(self, key: str) -> bool:
        return True

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, *, expires_s: int) -> str:
        self.expiries.append(expires_s)
        return f"https://store.example/{key}?X-Amz-Expires={expires_s}"


def test_a_presigned_redirect_lives_no_longer_than_a_cached_copy() -> None:
    store = PresigningStore()
    response = blob_response(store, "videos/v/play.mp4", media_type="video/mp4",  # type: ignore[arg-type]
                             cache_control="public, max-age=300")
    assert response.status_code == 302
    assert store.expiries and store.expiries[0] <= MEDIA_MAX_AGE_S
    cache = response.headers["cache-control"]
    assert cache.startswith("private") and _max_age(cache) < store.expiries[0]
