"""TikTok's "Download your data" archive: a .zip or its extracted folder, in JSON or TXT form.

The JSON layout has changed at least three times, so every level is looked up with fallbacks
and without regard to case. Members of a zip are read in memory through the one bounded zip
reader (``zipread``: count, sizes judged before inflating, total, compression ratio, every read
counted) and parsed only when what parsing takes fits the budget (``jsonread``): nothing is
extracted to disk, and names that climb out of the archive are reported, never followed. A
malformed entry becomes a problem in the report; the rest imports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from havre.errors import N_
from havre.imports import jsonread, zipread
from havre.imports.jsonread import BadJSON
from havre.imports.ytdlp import tiktok_id_of
from havre.imports.zipread import SafeZip

JSON_NAMES = ("user_data_tiktok.json", "user_data.json")
TXT_POSTS = ("posts.txt", "videos.txt", "post.txt", "video.txt")
TXT_FOLLOWING = ("following.txt", "following list.txt")
TXT_FOLLOWERS = ("follower.txt", "followers.txt", "follower list.txt")
EMPTY_TXT = "you have no data in this section"


class ExportError(Exception):
    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params = template, params


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_members: int = 20_000
    # The files read (user_data*.json, the TXT lists) are parsed whole, so what parsing one takes is
    # judged before parsing (``parse_budget``: its bytes and everything parsed from them, bounded by
    # jsonread.parse_cost): with the process's own 150 MB, under the 300 MB an import may use. A
    # real JSON export is mostly links and dates, which cost about 8 times their size: the budget
    # takes one of 13 MiB (years of activity). A larger file could not be parsed anyway, so it is
    # not even read: 32 MiB, and the bytes held while judging it (it, and a copy without its
    # strings) stay under 64 MiB.
    max_member_bytes: int = 32 << 20
    max_total_bytes: int = 64 << 20  # every file read, together (the JSON, or the TXT files)
    max_ratio: int = 200  # a member over 1 MiB inflating more than 200-fold is a bomb
    parse_budget: int = 112 << 20


@dataclass
class Export:
    videos: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)
    following: list[str] = field(default_factory=list)
    followers: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# -- reading the archive safely ------------------------------------------------------------

NOT_A_ZIP = N_("%(name)s is not a zip archive (or it is damaged). Request a fresh export from TikTok "
               "(Settings → Account → Download your data), JSON format.")


def _chosen(keys: Iterable[str]) -> list[str]:
    """Which of an export's files to read: its JSON alone when it has one, else its TXT files. Only
    those are held in memory, never both layouts at once."""
    keys = list(keys)
    return next(([name] for name in JSON_NAMES if name in keys), keys)


def _key(relative: str) -> str:
    base = PurePosixPath(relative).name.lower()
    return base if base in JSON_NAMES else relative.lower()


def _read_zip(path: Path, label: str, wanted: Iterable[str], limits: Limits, problems: list[str]) -> dict[str, bytes]:
    """The members whose base name is in ``wanted`` (lower case), through the bounded reader: their
    declared sizes are judged before any is inflated, and every read is counted."""
    names = set(wanted)

    def limit_of(name: str) -> int | None:
        return limits.max_member_bytes if PurePosixPath(name).name.lower() in names else None

    archive = SafeZip(path, label=label, error=ExportError, unreadable=NOT_A_ZIP, limits=zipread.Limits(
        max_members=limits.max_members, max_total_bytes=limits.max_total_bytes, limit_of=limit_of,
        max_ratio=limits.max_ratio))
    with closing(archive):
        problems += [f"ignored {name!r}: its name points outside the archive" for name in archive.unsafe]
        members: dict[str, str] = {}
        for name in archive.files:
            if PurePosixPath(name).name.lower() in names:
                members.setdefault(_key(name), name)
        return {key: archive.read(members[key]) for key in _chosen(members)}


def _read_folder(path: Path, wanted: Iterable[str], limits: Limits) -> dict[str, bytes]:
    names = set(wanted)
    files: dict[str, Path] = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and not file.is_symlink() and file.name.lower() in names:
            files.setdefault(_key(file.relative_to(path).as_posix()), file)
    found: dict[str, bytes] = {}
    for key in _chosen(files):
        with open(files[key], "rb") as f:
            found[key] = f.read(limits.max_member_bytes + 1)  # no more than the limit, even if it grew
        if len(found[key]) > limits.max_member_bytes:
            raise ExportError(N_("%(member)s is too large for an export file."), member=files[key].name)
    return found


def read_export(path: Path, *, limits: Limits = Limits(), label: str | None = None) -> Export:
    """Parse an export (.zip or folder). Raises ExportError when nothing usable is found; ``label``
    is what its messages call it (the name it was uploaded with)."""
    label = label or path.name
    problems: list[str] = []
    wanted = (*JSON_NAMES, *TXT_POSTS, *TXT_FOLLOWING, *TXT_FOLLOWERS, "profile info.txt")
    if path.is_dir():
        files = _read_folder(path, wanted, limits)
    elif path.is_file():
        files = _read_zip(path, label, wanted, limits, problems)
    else:
        raise ExportError(N_("%(name)s does not exist."), name=str(path))
    for name in JSON_NAMES:
        if name in files:
            export = _parse_json(files[name], name, limits)
            export.problems[:0] = problems
            return export
    if any(PurePosixPath(k).name in TXT_POSTS for k in files):
        export = _parse_txt(files, limits)
        export.problems[:0] = problems
        return export
    raise ExportError(N_("No TikTok data found in %(name)s (no user_data_tiktok.json, user_data.json or "
                         "Posts.txt). Request a fresh export from TikTok (Settings → Account → Download your data), "
                         "JSON format."), name=label)


# -- values ------------------------------------------------------------------------------

def _get(obj: Any, *keys: str) -> Any:
    """obj[key] for the first key present, compared without case; None when none is."""
    if not isinstance(obj, dict):
        return None
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else none: a layout that changed gives no entries, not a crash."""
    return value if isinstance(value, list) else []


def _path(obj: Any, *levels: tuple[str, ...]) -> Any:
    for keys in levels:
        obj = _get(obj, *keys)
        if obj is None:
            return None
    return obj


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip()[:19], fmt).replace(tzinfo=UTC).isoformat()
        except ValueError:
            continue
    return None


BIGINT = 2**63 - 1


def _count(value: Any) -> int | None:
    """A count as TikTok writes it (12, "1.2K", "3,400"); None for anything else (NaN, infinity,
    negative, beyond what a database column holds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if isinstance(value, float) else value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace(",", "").upper()
        scale = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(text[-1:], 1)
        try:
            number = float(text.rstrip("KMB")) * scale
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number) or not 0 <= number <= BIGINT:
        return None
    return int(number)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        return value.strip().lower() in ("yes", "true", "on", "1", "everyone", "allow")
    return None


def _tiktok_id(value: str) -> str | None:
    """A TikTok id is digits (19 of them): anything else, or longer than the column, is no id."""
    return value if value.isdigit() and len(value) <= 32 else None


VISIBILITY = {"everyone": "public", "public": "public", "friends": "followers", "followers": "followers",
              "only me": "private", "only_me": "private", "private": "private", "self": "private"}


def _video(entry: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: not a video entry")
        return None
    posted = _date(_get(entry, "Date", "date", "CreateTime"))
    links = [line.strip() for line in str(_get(entry, "Link", "VideoLink", "Video Link", "link") or "").splitlines()
             if line.strip()]
    if posted is None or not links:
        missing = "date" if posted is None else "link"
        problems.append(f"{where}: no {missing}; skipped")
        return None
    who = str(_get(entry, "WhoCanView", "Who can view") or "").strip().lower()
    counts = {k: c for k, c in (("likes", _count(_get(entry, "Likes", "LikesCount"))),) if c is not None}
    return {
        "label": posted[:10], "links": links, "slideshow": len(links) > 1, "posted_at": posted,
        "tiktok_id": _tiktok_id(next((i for i in map(tiktok_id_of, links) if i), None)
                                or str(_get(entry, "VideoId", "id") or "")),
        "caption": str(_get(entry, "Title", "Description", "VideoDescription", "Caption") or ""),
        "sound": _get(entry, "Sound", "SoundTitle") or None, "location": _get(entry, "Location") or None,
        "cover_url": _get(entry, "CoverImage", "Cover") or None, "legacy_counts": counts,
        "visibility": VISIBILITY.get(who, "public"), "allow_comments": _flag(_get(entry, "AllowComments")),
        "allow_duets": _flag(_get(entry, "AllowDuets")), "allow_stitches": _flag(_get(entry, "AllowStitches")),
        "alt_text": _get(entry, "AlternateText", "AltText") or None,
    }


# -- JSON --------------------------------------------------------------------------------

ACTIVITY = (("Activity", "Your Activity", "Profile And Settings", "Profile"),)


def _parse_json(data: bytes, name: str, limits: Limits) -> Export:
    try:
        root = jsonread.loads(data, budget=limits.parse_budget)
    except BadJSON as exc:
        if exc.reason == BadJSON.DEEP:  # what parsed could still overflow later (str(), the JSON columns)
            raise ExportError(N_("%(name)s is nested too deeply to be a TikTok export (more than %(limit)s levels of "
                                 "lists or objects). Request a fresh export from TikTok (Settings → Account → "
                                 "Download your data), JSON format."), name=name, limit=exc.params["limit"]) from None
        if exc.reason == BadJSON.COSTLY:
            raise ExportError(N_("%(name)s would take %(cost)s MiB of memory to read, more than the %(budget)s MiB an "
                                 "import may use. If it is a real TikTok export, import it in parts: ask whoever "
                                 "runs this Havre instance."), name=name, **exc.params) from None
        if exc.reason == BadJSON.TEXT:
            raise ExportError(N_("%(name)s holds text no database can store (a NUL character or half of a surrogate "
                                 "pair). Request a fresh export from TikTok (Settings → Account → Download your "
                                 "data), JSON format."), name=name) from None
        where = f" (line {exc.params['line']})" if exc.params.get("line") else ""
        raise ExportError(N_("%(name)s is not valid JSON%(where)s. Request a fresh export from TikTok "
                             "(Settings → Account → Download your data), JSON format."),
                          name=name, where=where) from None
    if not isinstance(root, dict):
        raise ExportError(N_("%(name)s has an unknown layout. Request a fresh export from TikTok "
                             "(Settings → Account → Download your data), JSON format."), name=name)
    export = Export()
    posts = (_path(root, ("Post",), ("Posts",), ("VideoList",)) or _path(root, ("Video",), ("Videos",), ("VideoList",)))
    profile = (_path(root, ("Profile",), ("Profile Information", "Profile Info"), ("ProfileMap",))
               or _path(root, ("Profile And Settings",), ("Profile Info", "Profile Information"), ("ProfileMap",)))
    if posts is None and profile is None and not any(_get(root, *k) for k in ACTIVITY):
        raise ExportError(N_("%(name)s has an unknown layout (top-level keys: %(keys)s). Request a fresh export "
                             "from TikTok (Settings → Account → Download your data), JSON format."), name=name,
                          keys=", ".join(list(root)[:8]) or "none")
    for i, entry in enumerate(posts if isinstance(posts, list) else []):
        video = _video(entry, f"post {i + 1}", export.problems)
        if video is not None:
            export.videos.append(video)
    if isinstance(profile, dict):
        export.profile = {k: str(v) for k, v in (
            ("username", _get(profile, "userName", "username")),
            ("display_name", _get(profile, "displayName", "nickName", "nickname")),
            ("bio", _get(profile, "bioDescription", "bio")), ("avatar_url", _get(profile, "profilePhoto")))
            if isinstance(v, str) and v}
    for section in ACTIVITY[0]:
        block = _get(root, section)
        following = _path(block, ("Following List", "Following"), ("Following",))
        followers = _path(block, ("Follower List", "Follower", "Followers"), ("FansList", "Fans"))
        export.following += [str(_get(f, "UserName", "username")) for f in _list(following)
                             if _get(f, "UserName", "username")]
        export.followers += [(str(_get(f, "UserName", "username")), _date(_get(f, "Date")))
                             for f in _list(followers) if _get(f, "UserName", "username")]
    return export


# -- TXT ---------------------------------------------------------------------------------

def _blocks(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    if EMPTY_TXT in text.lower():
        return []
    records = []
    for block in re.split(r"\n\s*\n", text):
        record = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                record[key.strip()] = value.strip()
        if record:
            records.append(record)
    return records


def _parse_txt(files: dict[str, bytes], limits: Limits) -> Export:
    export = Export()
    by_base = {PurePosixPath(k).name: v for k, v in files.items()}
    cost = 0
    for name, data in by_base.items():  # all are held at once; each line may become a dict entry and two strings
        if b"\x00" in data:
            raise ExportError(N_("%(name)s holds text no database can store (a NUL character). Request a fresh "
                                 "export from TikTok (Settings → Account → Download your data), JSON format."),
                              name=name)
        cost += len(data) * 6 + data.count(b"\n") * 2 * jsonread.PER_STRING
        if cost > limits.parse_budget:
            raise ExportError(N_("%(name)s would take %(cost)s MiB of memory to read, more than the %(budget)s MiB "
                                 "an import may use. If it is a real TikTok export, import it in parts: ask whoever "
                                 "runs this Havre instance."), name=name, cost=cost >> 20,
                              budget=limits.parse_budget >> 20)
    posts = next((by_base[n] for n in TXT_POSTS if n in by_base), b"")
    for i, record in enumerate(_blocks(posts)):
        video = _video(record, f"post {i + 1}", export.problems)
        if video is not None:
            export.videos.append(video)
    following = next((by_base[n] for n in TXT_FOLLOWING if n in by_base), b"")
    export.following = [r["Username"] for r in _blocks(following) if r.get("Username")]
    followers = next((by_base[n] for n in TXT_FOLLOWERS if n in by_base), b"")
    export.followers = [(r["Username"], _date(r.get("Date"))) for r in _blocks(followers) if r.get("Username")]
    return export
