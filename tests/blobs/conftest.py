"""A fresh bucket per test on the session's SeaweedFS server (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from havre.blobs.s3 import S3BlobStore
from tests.s3server import S3Server


@pytest.fixture
def s3_store(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3BlobStore]:
    """Built the way the app builds it (``from_url`` + environment), on a bucket of its own."""
    bucket = s3_server.new_bucket(f"t-{uuid.uuid4().hex[:16]}")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    yield S3BlobStore.from_url(f"s3://{bucket}")
    # Each bucket is a SeaweedFS collection holding volumes; drop it so a long session
    # cannot run out of volume slots on a small disk.
    s3_server.client.delete_bucket(Bucket=bucket)
