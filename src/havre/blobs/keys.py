"""Every blob key Havre writes, and whose data each one is: the one place key formats live.

| kind          | key                          | whose                        |
|---------------|------------------------------|------------------------------|
| original      | ``originals/VIDEO``          | the video's owner (private)  |
| video file    | ``videos/VIDEO/...``         | the video's owner (renditions, HLS, poster, subtitles) |
| avatar        | ``avatars/USER.jpg``         | the user                     |
| import source | ``imports/USER/RUN.zip``     | the user, until the import is done |
| export        | ``exports/USER/EXPORT.zip``  | the user: a "Download my data" archive, kept 7 days |
| recs model    | ``recs/model-V.npz``, ``recs/current`` | nobody's: the region's trained recommender |
| recs shared   | ``recs/shared/SRC/V.npz``, ``.../current`` | nobody's: region SRC's k-anonymous item pairs |

The region move, the residency audit (and the export and deletion) find a person's files with
``keys_of`` and recognise keys with ``owner_of``; a test fails on a kind one of them misses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from havre.blobs.base import BlobStore

BlobKind = Literal["original", "video_file", "avatar", "import_source", "export", "recs_model", "recs_shared"]
KINDS: tuple[BlobKind, ...] = ("original", "video_file", "avatar", "import_source", "export", "recs_model",
                               "recs_shared")
Whose = Literal["user", "video", "region"]


def original(video_id: str) -> str:
    return f"originals/{video_id}"


def video_prefix(video_id: str) -> str:
    """The folder of a video's derived, servable files."""
    return f"videos/{video_id}/"


def video_file(video_id: str, name: str) -> str:
    return video_prefix(video_id) + name


def avatar(user_id: str) -> str:
    return f"avatars/{user_id}.jpg"


def import_source(user_id: str, run_id: str) -> str:
    return f"imports/{user_id}/{run_id}.zip"


def export_archive(user_id: str, export_id: str) -> str:
    return f"exports/{user_id}/{export_id}.zip"


def recs_model(version: str) -> str:
    return f"recs/model-{version}.npz"


def recs_current() -> str:
    """A few bytes naming the model version in use: written last, so a reader never sees half a model."""
    return "recs/current"


def recs_shared_prefix(source: str) -> str:
    """The folder of the item pairs another region (``source``) shared with this one."""
    return f"recs/shared/{source}/"


def recs_shared(source: str, version: str) -> str:
    return f"{recs_shared_prefix(source)}{version}.npz"


def recs_shared_current(source: str) -> str:
    """Names the version of ``source``'s shared pairs in use, written after it (as ``recs_current``)."""
    return f"{recs_shared_prefix(source)}current"


def kind_of(key: str) -> tuple[BlobKind, Whose, str] | None:
    """(kind, "user"|"video"|"region", id) for a key of ours, None for one Havre never writes."""
    parts = key.split("/")
    if parts[0] == "originals" and len(parts) == 2:
        return "original", "video", parts[1]
    if parts[0] == "videos" and len(parts) >= 3:
        return "video_file", "video", parts[1]
    if parts[0] == "avatars" and len(parts) == 2 and parts[1].endswith(".jpg"):
        return "avatar", "user", parts[1].removesuffix(".jpg")
    if parts[0] == "imports" and len(parts) == 3:
        return "import_source", "user", parts[1]
    if parts[0] == "exports" and len(parts) == 3 and parts[2].endswith(".zip"):
        return "export", "user", parts[1]
    if key == recs_current() or (parts[0] == "recs" and len(parts) == 2 and parts[1].startswith("model-")
                                 and parts[1].endswith(".npz")):
        return "recs_model", "region", ""
    if parts[:2] == ["recs", "shared"] and len(parts) == 4 and (parts[3] == "current" or parts[3].endswith(".npz")):
        return "recs_shared", "region", ""
    return None


def owner_of(key: str) -> tuple[Whose, str] | None:
    found = kind_of(key)
    return (found[1], found[2]) if found else None


def keys_of(store: BlobStore, user_id: str, video_ids: Iterable[str]) -> list[str]:
    """Every file of a person in ``store``: their avatar, import sources and exports, their videos' files."""
    keys = [k for k in store.keys("avatars/") if k == avatar(user_id)]
    keys += list(store.keys(f"imports/{user_id}/"))
    keys += list(store.keys(f"exports/{user_id}/"))
    for video_id in video_ids:
        keys += [k for k in store.keys(original(video_id)) if k == original(video_id)]
        keys += list(store.keys(video_prefix(video_id)))
    return keys
