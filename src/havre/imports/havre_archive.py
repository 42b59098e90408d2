"""A Havre archive ("Download my data", ``portability.export``): its format, and reading one back.

The layout is documented in docs/export-format.md, with a JSON Schema beside it. Reading is
strict: every name, size, SHA-256 and count in ``manifest.json`` is checked before anything is
written, so a tampered, truncated or extended archive is refused as a whole, naming the first
mismatch. Nothing is extracted to disk until then, and later only one member at a time.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from havre.errors import N_, HavreError
from havre.imports.plan import Plan

HAVRE = "havre"  # the import kind of a Havre archive
FORMAT = "havre-export"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
MAX_MEMBERS = 200_000
MAX_JSON_BYTES = 256 << 20  # one data file is read whole to count its rows: bounded before reading


class ArchiveError(HavreError):
    status_code = 400


def data_name(section: str) -> str:
    return f"data/{section}.json"


def original_name(video_id: str, suffix: str) -> str:
    return f"files/videos/{video_id}/original{suffix}"


def subtitle_name(video_id: str, lang: str) -> str:
    return f"files/videos/{video_id}/subtitles/{lang}.vtt"


AVATAR = "files/avatar.jpg"


@dataclass
class Archive:
    """A verified archive: its manifest, and a way to read its members (the zip stays open)."""

    path: Path
    manifest: dict[str, Any]
    _zip: zipfile.ZipFile = field(repr=False)

    def section(self, name: str) -> list[dict[str, Any]]:
        member = data_name(name)
        if member not in self._zip.namelist():
            return []
        rows = json.loads(self._zip.read(member))
        return rows if isinstance(rows, list) else []

    def read(self, member: str) -> bytes:
        return self._zip.read(member)

    def extract(self, member: str, dst: Path) -> Path:
        with self._zip.open(member) as src, open(dst, "wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        return dst

    def close(self) -> None:
        self._zip.close()


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return (bool(name) and not name.startswith("/") and "\\" not in name and ".." not in path.parts
            and ":" not in name and all(part not in ("", ".") for part in name.split("/")))


def _digest(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with zf.open(info) as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise ArchiveError(N_("This zip has no manifest.json: it is not a Havre archive.")) from None
    if info.file_size > MAX_JSON_BYTES:
        raise ArchiveError(N_("The archive's manifest.json is too large to be a Havre manifest."))
    try:
        manifest = json.loads(zf.read(info))
    except (ValueError, zipfile.BadZipFile) as exc:
        raise ArchiveError(N_("The archive's manifest.json cannot be read (%(problem)s)."), problem=str(exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(N_("This zip's manifest.json is not a Havre archive's."))
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ArchiveError(N_("The archive's format version is missing or invalid."))
    if version > VERSION:
        raise ArchiveError(N_("This archive has format version %(version)s, newer than this Havre reads (%(ours)s). "
                              "Update Havre, then import it again."), version=version, ours=VERSION)
    if not isinstance(manifest.get("files"), list) or not isinstance(manifest.get("counts"), dict):
        raise ArchiveError(N_("The archive's manifest.json lists no files or counts."))
    return manifest


def verify(path: Path) -> Archive:
    """Open ``path`` and check it against its manifest; raises ``ArchiveError`` at the first mismatch."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(N_("This file is not a readable zip archive (%(problem)s)."), problem=str(exc)) from None
    try:
        return Archive(path=path, manifest=_check(zf), _zip=zf)
    except BaseException:
        zf.close()
        raise


def _check(zf: zipfile.ZipFile) -> dict[str, Any]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(N_("The archive holds more than %(limit)s files."), limit=MAX_MEMBERS)
    seen: set[str] = set()
    for info in infos:
        if not _safe(info.filename) or info.is_dir():
            raise ArchiveError(N_("The archive holds a file named %(name)s, which is not allowed."),
                               name=repr(info.filename))
        if info.filename in seen:
            raise ArchiveError(N_("The archive holds %(name)s twice."), name=info.filename)
        seen.add(info.filename)
    manifest = _manifest(zf)
    listed: dict[str, dict[str, Any]] = {}
    for entry in manifest["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ArchiveError(N_("The archive's manifest.json has a malformed file entry."))
        listed[entry["path"]] = entry
    for name in sorted(seen - {MANIFEST}):
        if name not in listed:
            raise ArchiveError(N_("%(name)s is in the archive but not in its manifest: the archive was changed."),
                               name=name)
    for name, entry in listed.items():
        if name not in seen:
            raise ArchiveError(N_("%(name)s is in the manifest but missing from the archive: it is incomplete."),
                               name=name)
        try:
            size, digest = _digest(zf, zf.getinfo(name))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(N_("%(name)s cannot be read from the archive (%(problem)s)."), name=name,
                               problem=str(exc)) from None
        if size != entry.get("size") or digest != entry.get("sha256"):
            raise ArchiveError(N_("%(name)s does not match its size or SHA-256 in the manifest: the archive was "
                                  "changed or damaged."), name=name)
    for section, count in manifest["counts"].items():
        member = data_name(str(section))
        if member not in seen:
            raise ArchiveError(N_("%(name)s is counted in the manifest but missing."), name=member)
        if zf.getinfo(member).file_size > MAX_JSON_BYTES:
            raise ArchiveError(N_("%(name)s is too large."), name=member)
        rows = json.loads(zf.read(member))
        if not isinstance(rows, list) or len(rows) != count:
            raise ArchiveError(N_("%(name)s holds %(found)s records, the manifest says %(count)s."), name=member,
                               found=len(rows) if isinstance(rows, list) else 0, count=count)
    return manifest



def is_havre_archive(path: Path) -> bool:
    """Whether a zip says it is a Havre archive (checked in full later, by ``verify``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return MANIFEST in zf.namelist() and b'"havre-export"' in zf.read(MANIFEST)[:4096]
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def plan_archive(archive: Archive, source: str) -> Plan:
    """What to bring in from a verified archive: each video from its original (re-transcoded here)
    with its dates, caption, settings, subtitles and TikTok data; the profile and chosen interests;
    who they followed; and, read-only, the comments others wrote on their videos (other people's
    data: not re-posted)."""
    files = {str(entry["path"]) for entry in archive.manifest["files"]}
    users = archive.section("users")
    user = users[0] if users else {}
    plan = Plan(kind=HAVRE, source=source, profile={
        "display_name": str(user.get("display_name") or ""), "bio": str(user.get("bio") or ""),
        **({"avatar_member": AVATAR} if AVATAR in files else {})})
    plan.following = [str(f["handle"]) for f in archive.section("following") if f.get("handle")]
    plan.comments = archive.section("comments_on_my_videos")
    plan.interests = [str(row["tag"]) for row in archive.section("interests") if row.get("tag")]
    by_video = {name.split("/")[2]: name for name in files if name.startswith("files/videos/")
                and name.split("/")[3].startswith("original")}
    for video in archive.section("videos"):
        member = by_video.get(str(video.get("id")))
        if member is None:
            plan.problems.append(f"video {video.get('id')}: no original in the archive, not imported")
            continue
        plan.items.append({
            "label": str(video.get("original_name") or video.get("caption") or video.get("id"))[:500],
            "archive_member": member, "caption": video.get("caption") or "", "posted_at": video.get("posted_at"),
            "tiktok_id": video.get("tiktok_id"), "sound": video.get("sound_title"),
            "legacy_counts": video.get("legacy_counts") or {}, "visibility": video.get("visibility") or "public",
            "allow_comments": video.get("allow_comments") is not False,
            "subtitle_members": {lang: subtitle_name(str(video["id"]), lang) for lang in video.get("subtitle_langs")
                                 or () if subtitle_name(str(video["id"]), lang) in files}})
    return plan
