from __future__ import annotations

from pathlib import Path

import pytest

from havre.blobs import BlobNotFound, InvalidBlobKey
from havre.blobs.local import LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(root=tmp_path / "blobs")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a\\b", "", ".hidden", "a//b", "a/./b",
                                 "a/\x00b"])
def test_keys_that_could_escape_the_store_are_refused(store: LocalBlobStore, key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.put_bytes(key, b"x")


def test_a_symlink_out_of_the_store_is_not_followed(store: LocalBlobStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (store.root / "link").symlink_to(tmp_path)
    with pytest.raises(InvalidBlobKey):
        store.get_bytes("link/secret.txt")


def test_round_trip_prefix_delete_and_listing(store: LocalBlobStore, tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"hello" * 1000)
    store.put_file("videos/a/f.bin", src)
    store.put_bytes("videos/a/hls/x.m3u8", b"#EXTM3U")
    store.put_bytes("videos/b/f.bin", b"b")
    assert store.size("videos/a/f.bin") == 5000
    assert list(store.keys("videos/a/")) == ["videos/a/f.bin", "videos/a/hls/x.m3u8"]
    assert store.delete_prefix("videos/a/") == 2
    assert list(store.keys()) == ["videos/b/f.bin"]
    with pytest.raises(BlobNotFound):
        store.get_bytes("videos/a/f.bin")


def test_a_failed_write_leaves_no_partial_file(store: LocalBlobStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.put_file("videos/x/f", tmp_path / "does-not-exist")
    assert list(store.keys()) == []
    assert not any(p.name.startswith(".tmp-") for p in store.root.rglob("*"))
