"""What only the S3 store does, against a real SeaweedFS: signing, prefixes, multipart, presigned URLs."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import botocore.auth
import botocore.exceptions
import httpx
import pytest

import havre.blobs.s3 as s3_module
from havre.blobs import InvalidBlobKey
from havre.blobs.s3 import S3BlobStore
from tests.s3server import S3Server

DATA = bytes(range(256)) * 4


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A browser without credentials (one client: building one costs ~0.2 s of TLS setup)."""
    with httpx.Client(timeout=10) as client:
        yield client


def test_the_server_refuses_unsigned_and_wrongly_signed_requests(
        s3_store: S3BlobStore, s3_server: S3Server, http: httpx.Client) -> None:
    """Otherwise the presigned-URL tests below would pass against an open bucket."""
    s3_store.put_bytes("private", b"secret")
    assert http.get(f"{s3_server.endpoint}/{s3_store.bucket}/private").status_code == 403
    assert http.put(f"{s3_server.endpoint}/{s3_store.bucket}/planted", content=b"x").status_code == 403
    forger = S3BlobStore(bucket=s3_store.bucket, endpoint_url=s3_server.endpoint,
                         access_key=s3_server.access_key, secret_key="not-the-secret")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        forger.get_bytes("private")
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert list(s3_store.keys()) == ["private"]


def test_a_prefix_store_lives_in_its_folder_and_speaks_relative_keys(s3_store: S3BlobStore) -> None:
    bucket = s3_store.bucket
    s3_store.put_bytes("some/prefixed/neighbour", b"n")  # a string-prefix neighbour, not inside
    s3_store.put_bytes("other/x", b"o")
    inner = S3BlobStore.from_url(f"s3://{bucket}/some/prefix")
    inner.put_bytes("videos/a/play.mp4", DATA)
    inner.put_bytes("videos/b/play.mp4", b"b")
    assert list(inner.keys()) == ["videos/a/play.mp4", "videos/b/play.mp4"]
    assert list(inner.keys("videos/a/")) == ["videos/a/play.mp4"]
    assert inner.get_bytes("videos/a/play.mp4") == DATA and inner.size("videos/a/play.mp4") == len(DATA)
    assert "some/prefix/videos/a/play.mp4" in list(s3_store.keys())  # where it really is
    assert inner.delete_prefix("videos/a/") == 1
    assert list(s3_store.keys()) == ["other/x", "some/prefix/videos/b/play.mp4", "some/prefixed/neighbour"]


def test_a_large_file_goes_up_in_parts_and_comes_back_identical(
        s3_store: S3BlobStore, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    # 5 MiB is the smallest part AWS accepts, so this is a size a real bucket would take too.
    monkeypatch.setattr(s3_module, "MULTIPART_THRESHOLD", 5 * 2**20)
    store = S3BlobStore.from_url(f"s3://{s3_store.bucket}")
    big, small = tmp_path / "big.mp4", tmp_path / "small.mp4"
    big.write_bytes(os.urandom(11 * 2**20))
    small.write_bytes(os.urandom(2**20))
    store.put_file("videos/a/original", big, content_type="video/mp4")
    store.put_file("videos/a/poster", small)

    def etag(key: str) -> str:
        return str(s3_server.client.head_object(Bucket=store.bucket, Key=key)["ETag"]).strip('"')

    assert etag("videos/a/original").endswith("-3")  # a multipart ETag: md5-of-md5s, dash, part count
    assert "-" not in etag("videos/a/poster")
    head = s3_server.client.head_object(Bucket=store.bucket, Key="videos/a/original")
    assert head["ContentType"] == "video/mp4"
    back = tmp_path / "back.mp4"
    store.download("videos/a/original", back)
    assert back.read_bytes() == big.read_bytes()
    assert store.get_bytes("videos/a/original") == big.read_bytes()
    assert store.size("videos/a/original") == 11 * 2**20


def test_invalid_keys_are_refused_before_any_request(s3_store: S3BlobStore, tmp_path: Path) -> None:
    sent: list[str] = []
    s3_store.client.meta.events.register("before-send.s3", lambda request, **_: sent.append(request.url))
    s3_store.put_bytes("ok", b"x")
    assert len(sent) == 1  # the hook does see requests
    for call in (lambda: s3_store.get_bytes("../x"), lambda: s3_store.presigned_url("../x"),
                 lambda: s3_store.put_file("a/../../b", tmp_path / "nope"),
                 lambda: s3_store.download("/abs", tmp_path / "out"),
                 lambda: s3_store.delete_prefix("../")):
        with pytest.raises(InvalidBlobKey):
            call()
    assert len(sent) == 1


def test_a_presigned_url_serves_the_blob_and_byte_ranges_without_credentials(
        s3_store: S3BlobStore, http: httpx.Client) -> None:
    s3_store.put_bytes("videos/a/play.mp4", DATA, content_type="video/mp4")
    url = s3_store.presigned_url("videos/a/play.mp4", expires_s=300)
    assert "X-Amz-Signature=" in url
    whole = http.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["content-type"] == "video/mp4"
    part = http.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == DATA[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(DATA)}"


def test_a_tampered_presigned_url_is_refused(s3_store: S3BlobStore, http: httpx.Client) -> None:
    s3_store.put_bytes("videos/a/play.mp4", DATA)
    s3_store.put_bytes("videos/b/play.mp4", b"someone else's")
    url = s3_store.presigned_url("videos/a/play.mp4")
    assert http.get(url).status_code == 200 and "X-Amz-Expires=3600" in url
    signature = url.rsplit("X-Amz-Signature=", 1)[1][:64]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert http.get(url.replace(signature, flipped)).status_code == 403
    assert http.get(url.replace("videos/a/", "videos/b/")).status_code == 403
    assert http.get(url.replace("X-Amz-Expires=3600", "X-Amz-Expires=604800")).status_code == 403


def test_an_expired_presigned_url_is_refused(s3_store: S3BlobStore, http: httpx.Client) -> None:
    s3_store.put_bytes("videos/a/play.mp4", DATA)
    real_now = botocore.auth.get_current_datetime

    def two_hours_ago(remove_tzinfo: bool = True) -> dt.datetime:
        return cast(dt.datetime, real_now(remove_tzinfo)) - dt.timedelta(hours=2)

    # Sign as if it were two hours ago: a genuine signature whose lifetime is over.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", two_hours_ago)
        expired = s3_store.presigned_url("videos/a/play.mp4", expires_s=3600)
        still_valid = s3_store.presigned_url("videos/a/play.mp4", expires_s=3 * 3600)
    assert http.get(still_valid).status_code == 200  # the backdating alone breaks nothing
    assert http.get(expired).status_code == 403
