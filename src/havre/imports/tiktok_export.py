"""TikTok's "Download your data" archive: a .zip or its extracted folder, in JSON or TXT form.

The JSON layout has changed at least three times, so every level is looked up with fallbacks
and without regard to case. Members of a zip are read in memory with hard limits (count, total
size, compression ratio): nothing is extracted to disk, and names that climb out of the archive
are reported, never followed. A malformed entry becomes a problem in the report; the rest imports.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from havre.errors import N_
from havre.imports.ytdlp import tiktok_id_of

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
    max_member_bytes: int = 256 << 20
    max_total_bytes: int = 1 << 30
    max_ratio: int = 200  # a 1 KiB member inflating to more than 200 KiB is a bomb


@dataclass
class Export:
    videos: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)
    following: list[str] = field(default_factory=list)
    followers: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# -- reading the archive safely ------------------------------------------------------------

def _safe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in path.parts)


def _read_zip(path: Path, wanted: Iterable[str], limits: Limits, problems: list[str]) -> dict[str, bytes]:
    """The members whose base name is in ``wanted`` (lower case), checked against the limits."""
    names = set(wanted)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ExportError(N_("%(name)s is not a zip archive (or it is damaged). Request a fresh export from TikTok "
                             "(Settings → Account → Download your data), JSON format."), name=path.name) from None
    found: dict[str, bytes] = {}
    total = 0
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ExportError(N_("%(name)s holds %(count)s files; an export has far fewer. Is it the right file?"),
                              name=path.name, count=len(members))
        for info in members:
            base = PurePosixPath(info.filename.replace("\\", "/")).name.lower()
            if not _safe_name(info.filename):
                problems.append(f"ignored {info.filename!r}: its name points outside the archive")
                continue
            if base not in names or info.is_dir():
                continue
            if info.file_size > limits.max_member_bytes or (
                    info.compress_size and info.file_size > 1 << 20
                    and info.file_size / info.compress_size > limits.max_ratio):
                raise ExportError(N_("%(member)s in %(name)s inflates to %(size)s MiB: refused as a zip bomb."),
                                  member=info.filename, name=path.name, size=info.file_size >> 20)
            try:
                with archive.open(info) as f:  # read no more than the limit, whatever the header claims
                    data = f.read(limits.max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise ExportError(N_("%(name)s is damaged (%(error)s). Request a fresh export from TikTok "
                                     "(Settings → Account → Download your data), JSON format."), name=path.name,
                                  error=str(exc)[:120]) from None
            total += len(data)
            if len(data) > limits.max_member_bytes or total > limits.max_total_bytes:
                raise ExportError(N_("%(member)s in %(name)s inflates beyond the limit: refused as a zip bomb."),
                                  member=info.filename, name=path.name)
            found.setdefault(base if base in JSON_NAMES else info.filename.lower(), data)
    return found


def _read_folder(path: Path, wanted: Iterable[str], limits: Limits) -> dict[str, bytes]:
    names = set(wanted)
    found: dict[str, bytes] = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and not file.is_symlink() and file.name.lower() in names:
            if file.stat().st_size > limits.max_member_bytes:
                raise ExportError(N_("%(member)s is too large for an export file."), member=file.name)
            key = file.name.lower() if file.name.lower() in JSON_NAMES else file.relative_to(path).as_posix().lower()
            found.setdefault(key, file.read_bytes())
    return found


def read_export(path: Path, *, limits: Limits = Limits()) -> Export:
    """Parse an export (.zip or folder). Raises ExportError when nothing usable is found."""
    problems: list[str] = []
    wanted = (*JSON_NAMES, *TXT_POSTS, *TXT_FOLLOWING, *TXT_FOLLOWERS, "profile info.txt")
    if path.is_dir():
        files = _read_folder(path, wanted, limits)
    elif path.is_file():
        files = _read_zip(path, wanted, limits, problems)
    else:
        raise ExportError(N_("%(name)s does not exist."), name=str(path))
    for name in JSON_NAMES:
        if name in files:
            export = _parse_json(files[name], name)
            export.problems[:0] = problems
            return export
    if any(PurePosixPath(k).name in TXT_POSTS for k in files):
        export = _parse_txt(files)
        export.problems[:0] = problems
        return export
    raise ExportError(N_("No TikTok data found in %(name)s (no user_data_tiktok.json, user_data.json or "
                         "Posts.txt). Request a fresh export from TikTok (Settings → Account → Download your data), "
                         "JSON format."), name=path.name)


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


def _count(value: Any) -> int | None:
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(",", "").upper()
    scale = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(text[-1:], 1)
    try:
        return int(float(text.rstrip("KMB")) * scale)
    except ValueError:
        return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        return value.strip().lower() in ("yes", "true", "on", "1", "everyone", "allow")
    return None


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
        "tiktok_id": next((i for i in map(tiktok_id_of, links) if i), None)
        or (str(_get(entry, "VideoId", "id") or "") or None),
        "caption": str(_get(entry, "Title", "Description", "VideoDescription", "Caption") or ""),
        "sound": _get(entry, "Sound", "SoundTitle") or None, "location": _get(entry, "Location") or None,
        "cover_url": _get(entry, "CoverImage", "Cover") or None, "legacy_counts": counts,
        "visibility": VISIBILITY.get(who, "public"), "allow_comments": _flag(_get(entry, "AllowComments")),
        "allow_duets": _flag(_get(entry, "AllowDuets")), "allow_stitches": _flag(_get(entry, "AllowStitches")),
        "alt_text": _get(entry, "AlternateText", "AltText") or None,
    }


# -- JSON --------------------------------------------------------------------------------

ACTIVITY = (("Activity", "Your Activity", "Profile And Settings", "Profile"),)
MAX_DEPTH = 64  # real exports nest about 6 levels


def _too_deep(name: str) -> ExportError:
    return ExportError(N_("%(name)s is nested too deeply to be a TikTok export (more than %(limit)s levels of "
                          "lists or objects). Request a fresh export from TikTok (Settings → Account → Download "
                          "your data), JSON format."), name=name, limit=MAX_DEPTH)


def _deeper_than(root: Any, limit: int) -> bool:
    """Whether lists/objects nest more than ``limit`` levels (iterative: no recursion to overflow)."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _parse_json(data: bytes, name: str) -> Export:
    try:
        root = json.loads(data.decode("utf-8-sig"))
    except RecursionError:  # the parser recurses once per level: thousands of nested [ exhaust the stack
        raise _too_deep(name) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ExportError(N_("%(name)s is not valid JSON%(where)s. Request a fresh export from TikTok "
                             "(Settings → Account → Download your data), JSON format."),
                          name=name, where=where) from None
    if _deeper_than(root, MAX_DEPTH):  # what parsed could still overflow later (str(), the JSON columns)
        raise _too_deep(name)
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
        export.following += [str(_get(f, "UserName", "username")) for f in following or []
                             if _get(f, "UserName", "username")]
        export.followers += [(str(_get(f, "UserName", "username")), _date(_get(f, "Date")))
                             for f in followers or [] if _get(f, "UserName", "username")]
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


def _parse_txt(files: dict[str, bytes]) -> Export:
    export = Export()
    by_base = {PurePosixPath(k).name: v for k, v in files.items()}
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
