"""BlobStore over any S3-compatible server (AWS S3, SeaweedFS, MinIO, Ceph): SigV4, path-style.

Large files go up in multipart chunks (boto3's transfer manager); reads stream; playback uses
presigned GET URLs so the browser fetches bytes straight from the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from havre.blobs.base import BlobNotFound, check_key

MULTIPART_THRESHOLD = 16 * 2**20


class S3BlobStore:
    def __init__(self, *, bucket: str, endpoint_url: str | None = None, region_name: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, prefix: str = "") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region_name or "us-east-1",
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 5, "mode": "standard"}))
        self.transfer = TransferConfig(multipart_threshold=MULTIPART_THRESHOLD,
                                       multipart_chunksize=MULTIPART_THRESHOLD)

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        """``s3://bucket[/prefix]`` with endpoint and credentials from the environment."""
        rest = url.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        env = os.environ
        return cls(bucket=bucket, prefix=prefix, endpoint_url=env.get("HAVRE_S3_ENDPOINT") or None,
                   region_name=env.get("AWS_REGION"), access_key=env.get("AWS_ACCESS_KEY_ID"),
                   secret_key=env.get("AWS_SECRET_ACCESS_KEY"))

    def _k(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NotFound")

    def put_file(self, key: str, src: Path, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.upload_file(str(src), self.bucket, self._k(key), ExtraArgs=extra, Config=self.transfer)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data, **extra)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def download(self, key: str, dst: Path) -> None:
        try:
            self.client.download_file(self.bucket, self._k(key), str(dst), Config=self.transfer)
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key) from None
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return cast(BinaryIO, self.client.get_object(Bucket=self.bucket, Key=self._k(key))["Body"])
        except Exception as exc:
            if self._missing(exc) or "NoSuchKey" in type(exc).__name__:
                raise BlobNotFound(key) from None
            raise

    def size(self, key: str) -> int:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._k(key))["ContentLength"])
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key) from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
            return True
        except BlobNotFound:
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def delete_prefix(self, prefix: str) -> int:
        # A folder, as in LocalBlobStore: "videos/a" must not take "videos/ab/..." with it, and an
        # empty prefix (which would empty the whole bucket) is refused by check_key.
        base = check_key(prefix.rstrip("/"))
        keys = [k for k in self.keys(base) if k == base or k.startswith(base + "/")]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._k(k)} for k in keys[start:start + 1000]]
            response = self.client.delete_objects(Bucket=self.bucket,
                                                  Delete={"Objects": batch, "Quiet": True})
            if response.get("Errors"):  # Quiet mode reports only failures; never drop them silently
                raise OSError(f"could not delete blobs under {prefix!r}: {response['Errors'][:5]}")
        return len(keys)

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix):]

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, *, expires_s: int = 3600) -> str:
        return cast(str, self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._k(key)}, ExpiresIn=expires_s))
