"""The BlobStore contract, run against every implementation (local directory, real S3 server)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from havre.blobs import BlobNotFound, BlobStore, InvalidBlobKey
from havre.blobs.local import LocalBlobStore

DATA = bytes(range(256)) * 40  # 10 KiB, every byte value


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(root=tmp_path / "blobs")
    return request.getfixturevalue("s3_store")  # type: ignore[no-any-return]


def test_bytes_round_trip_and_overwrite(store: BlobStore) -> None:
    store.put_bytes("videos/a/poster.jpg", DATA, content_type="image/jpeg")
    assert store.get_bytes("videos/a/poster.jpg") == DATA
    assert store.size("videos/a/poster.jpg") == len(DATA)
    assert store.exists("videos/a/poster.jpg")
    store.put_bytes("videos/a/poster.jpg", b"second")
    assert store.get_bytes("videos/a/poster.jpg") == b"second"
    assert store.size("videos/a/poster.jpg") == 6


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    store.put_bytes("empty", b"")
    assert store.exists("empty") and store.size("empty") == 0 and store.get_bytes("empty") == b""


def test_file_round_trip(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "in.mp4"
    src.write_bytes(DATA * 3)
    store.put_file("videos/a/play.mp4", src, content_type="video/mp4")
    dst = tmp_path / "out.mp4"
    store.download("videos/a/play.mp4", dst)
    assert dst.read_bytes() == DATA * 3


def test_open_streams_in_pieces(store: BlobStore) -> None:
    store.put_bytes("videos/a/seg0.ts", DATA)
    with store.open("videos/a/seg0.ts") as f:
        head = f.read(10)
        chunks = list(iter(lambda: f.read(1000), b""))
    assert head == DATA[:10]
    assert b"".join(chunks) == DATA[10:] and max(map(len, chunks)) == 1000


def test_missing_blobs_raise_blob_not_found(store: BlobStore, tmp_path: Path) -> None:
    store.put_bytes("videos/a/there", b"x")  # the store itself exists; only the key is missing
    for read in (store.get_bytes, store.open, store.size):
        with pytest.raises(BlobNotFound):
            read("videos/a/missing")
    with pytest.raises(BlobNotFound):
        store.download("videos/a/missing", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not store.exists("videos/a/missing")


def test_delete_is_idempotent(store: BlobStore) -> None:
    store.put_bytes("videos/a/x", b"x")
    store.delete("videos/a/x")
    assert not store.exists("videos/a/x")
    store.delete("videos/a/x")
    assert list(store.keys()) == []


def test_keys_are_sorted_and_filtered_by_string_prefix(store: BlobStore) -> None:
    for key in ("videos/b/x", "videos/a/2", "videos/a/1", "avatars/u1", "videos/ab/1"):
        store.put_bytes(key, b"-")
    assert list(store.keys()) == ["avatars/u1", "videos/a/1", "videos/a/2", "videos/ab/1", "videos/b/x"]
    assert list(store.keys("videos/a/")) == ["videos/a/1", "videos/a/2"]
    assert list(store.keys("videos/a")) == ["videos/a/1", "videos/a/2", "videos/ab/1"]
    assert list(store.keys("nothing/")) == []


@pytest.mark.parametrize("prefix", ["videos/a/", "videos/a"])
def test_delete_prefix_removes_one_folder_and_nothing_beside_it(store: BlobStore, prefix: str) -> None:
    for key in ("videos/a/play.mp4", "videos/a/hls/0.ts", "videos/a/hls/index.m3u8",
                "videos/ab/play.mp4", "videos/b/play.mp4"):
        store.put_bytes(key, b"-")
    assert store.delete_prefix(prefix) == 3
    assert list(store.keys()) == ["videos/ab/play.mp4", "videos/b/play.mp4"]
    assert store.delete_prefix(prefix) == 0


def test_delete_prefix_refuses_to_empty_the_whole_store(store: BlobStore) -> None:
    store.put_bytes("videos/a/x", b"x")
    for prefix in ("", "/"):
        with pytest.raises(InvalidBlobKey):
            store.delete_prefix(prefix)
    assert list(store.keys()) == ["videos/a/x"]


def test_a_whole_hls_ladder_is_listed_and_deleted(store: BlobStore) -> None:
    keys = sorted(f"videos/v/hls/{i:04d}.ts" for i in range(30))
    for key in keys:
        store.put_bytes(key, b"")
    assert list(store.keys("videos/v/")) == keys
    assert store.delete_prefix("videos/v/") == 30
    assert list(store.keys()) == []


@pytest.mark.parametrize("key", ["../x", "a/../../b", "/abs", "a\\b", "", ".hidden", "a//b", "a/\x00b"])
def test_invalid_keys_are_refused_by_every_method(store: BlobStore, key: str, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    calls: list[Callable[[], object]] = [
        lambda: store.put_bytes(key, b"x"), lambda: store.put_file(key, src),
        lambda: store.get_bytes(key), lambda: store.open(key), lambda: store.size(key),
        lambda: store.exists(key), lambda: store.delete(key), lambda: store.delete_prefix(key),
        lambda: store.download(key, tmp_path / "out")]
    for call in calls:
        with pytest.raises(InvalidBlobKey):
            call()
    assert list(store.keys()) == []
