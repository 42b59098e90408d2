"""Blob storage: a protocol with one implementation per kind of store."""

from pathlib import Path

from havre.blobs.base import BlobNotFound, BlobStore, InvalidBlobKey, check_key
from havre.blobs.local import LocalBlobStore

__all__ = ["BlobNotFound", "BlobStore", "InvalidBlobKey", "check_key", "open_blob_store"]


def open_blob_store(url: str, *, default_root: "object") -> "BlobStore":
    """Pick the implementation from a URL: ``s3://bucket`` or a local directory path."""
    if url.startswith("s3://"):
        # boto3 takes half a second to load: only instances that keep media in S3 pay for it.
        from havre.blobs.s3 import S3BlobStore

        return S3BlobStore.from_url(url)
    root = Path(url.removeprefix("file://")) if url else Path(str(default_root))
    return LocalBlobStore(root=root)
