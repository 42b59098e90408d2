"""A Havre archive ("Download my data", ``portability.archive_writer``): its format, and reading one back.

The layout is documented in docs/export-format.md, with a JSON Schema beside it. Reading is
strict and bounded, through the one zip reader (``zipread``): every member's declared size is
judged before a byte is inflated (an original against the media limit, a data file against
``DATA_MAX``); then every name, size and SHA-256 in ``manifest.json`` is checked; then every
record of every data file is validated against the published schema and counted, one record in
memory at a time (``jsonread.records``). A tampered, truncated, extended or malformed archive is
refused as a whole, naming the file, the record and the field. Nothing is extracted to disk until
then, and later only one member at a time, never more than its limit.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]  # no stubs
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]

from havre.accounts.avatar import MAX_AVATAR_BYTES
from havre.config import MediaLimits
from havre.errors import N_, HavreError
from havre.imports import jsonread, zipread
from havre.imports.archive_schema import SCHEMA
from havre.imports.jsonread import BadJSON
from havre.imports.plan import TOO_MANY, Plan
from havre.imports.ytdlp import SUBTITLE_MAX
from havre.videos.service import MAX_CAPTION

HAVRE = "havre"  # the import kind of a Havre archive
FORMAT = "havre-export"
VERSION = 1
MANIFEST = "manifest.json"
AVATAR = "files/avatar.jpg"
# A video has its original and a few subtitle tracks, so an archive of the most videos one import
# takes (HAVRE_IMPORT_MAX_ITEMS, 5,000 by default) holds far fewer members than this.
MAX_MEMBERS = 50_000
MAX_TOTAL_BYTES = 64 << 30  # every member inflated: what hashing them all may read
# manifest.json is parsed whole: as an export writes it, 50,000 members take 8 MiB, and parsing
# them 28 MB (bounded at 60 MiB by jsonread.parse_cost). What any manifest's parse may take is
# judged before parsing, against MANIFEST_BUDGET: with the process's own 150 MB, under the 300 MB
# an import may use.
MANIFEST_MAX = 12 << 20
MANIFEST_BUDGET = 112 << 20
# A data file is read one record at a time, so its size costs time, not memory: 64 MiB is 450,000
# records of a year's viewing (feed_events), read and validated in about 40 s on one core. A record
# is parsed whole: 1 MiB of the costliest JSON ({} after {}) parses to about 25 MB.
DATA_MAX = 64 << 20
RECORD_MAX = 1 << 20
OTHER_MAX = 1 << 20  # a member the format does not have: refused by the manifest check anyway
ORIGINAL = re.compile(r"files/videos/[^/]+/original[^/]*")
SUBTITLE = re.compile(r"files/videos/[^/]+/subtitles/[^/]+\.vtt")
MAX_KEPT = 10_000  # follows, others' comments, interests: TikTok's own cap on follows; the rest is noted
MAX_PROBLEMS = 100  # videos without an original noted one by one; more are counted


class ArchiveError(HavreError):
    status_code = 400


def data_name(section: str) -> str:
    return f"data/{section}.json"


def original_name(video_id: str, suffix: str) -> str:
    return f"files/videos/{video_id}/original{suffix}"


def subtitle_name(video_id: str, lang: str) -> str:
    return f"files/videos/{video_id}/subtitles/{lang}.vtt"


def _date_time(value: object) -> bool:
    """RFC 3339 as the export writes it (ISO 8601 with an offset), within the years a database keeps."""
    if not isinstance(value, str):
        return True
    try:
        when = datetime.fromisoformat(value)
        return "T" in value and when.tzinfo is not None and 1 < when.astimezone(UTC).year < 9999
    except (ValueError, OverflowError):
        return False


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(_date_time)


def _validator(ref: str) -> Any:
    return Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": ref}, format_checker=FORMATS)


MANIFEST_SCHEMA = _validator("#/$defs/manifest")
SECTIONS = {name: _validator(f"#/$defs/{name}/items") for name in SCHEMA["$defs"] if name != "manifest"}


def _invalid(member: str, index: int, error: ValidationError) -> ArchiveError:
    """The refusal of a record against the schema: the file, the record, the field and what is wrong
    with it (not the value itself, which could be anything)."""
    path = [str(p)[:64] for p in error.absolute_path]
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = next((str(k) for k in error.validator_value if k not in instance), "?")
        return ArchiveError(N_("%(name)s, record %(index)s: the field %(key)s is missing. The archive does not "
                               "follow the Havre export format; make a new export from the instance it came from "
                               "and import that."), name=member, index=index, key=".".join([*path, missing]))
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = next((str(k)[:64] for k in instance if k not in known), "?")
        return ArchiveError(N_("%(name)s, record %(index)s: the field %(key)s is not part of the Havre export "
                               "format; make a new export from the instance it came from and import that."),
                            name=member, index=index, key=".".join([*path, extra]))
    field = ".".join(path) or "(the record)"
    if error.validator == "type":
        expected = error.validator_value
        return ArchiveError(N_("%(name)s, record %(index)s: the field %(key)s should be of type %(type)s. The "
                               "archive does not follow the Havre export format; make a new export from the "
                               "instance it came from and import that."), name=member, index=index, key=field,
                            type=" or ".join(expected) if isinstance(expected, list) else str(expected))
    return ArchiveError(N_("%(name)s, record %(index)s: the field %(key)s is not valid (%(problem)s). The archive "
                           "does not follow the Havre export format; make a new export from the instance it came "
                           "from and import that."), name=member, index=index, key=field,
                        problem=error.message[:160])


def _limits(media: MediaLimits) -> zipread.Limits:
    def limit_of(name: str) -> int:
        if name == MANIFEST:
            return MANIFEST_MAX
        if name.startswith("data/"):
            return DATA_MAX
        if ORIGINAL.fullmatch(name):
            return media.max_upload_bytes
        if SUBTITLE.fullmatch(name):
            return SUBTITLE_MAX
        return MAX_AVATAR_BYTES if name == AVATAR else OTHER_MAX

    return zipread.Limits(max_members=MAX_MEMBERS, max_total_bytes=MAX_TOTAL_BYTES, limit_of=limit_of)


class Archive:
    """A verified archive: its manifest, and its members read through the bounded reader (kept open)."""

    def __init__(self, path: Path, manifest: dict[str, Any], zip_: zipread.SafeZip) -> None:
        self.path, self.manifest, self._zip = path, manifest, zip_

    def rows(self, section: str) -> Generator[dict[str, Any], None, None]:
        """The records of ``data/<section>.json`` one at a time, each valid against the schema
        (none when the archive has no such file)."""
        member = data_name(section)
        if member not in self._zip.files:
            return
        validator = SECTIONS.get(section)
        if validator is None:
            raise ArchiveError(N_("%(name)s is not a data file of a Havre archive; make a new export from the "
                                  "instance it came from and import that."), name=member)
        index = 0
        try:
            for index, row in enumerate(jsonread.records(self._zip.stream(member), max_record=RECORD_MAX), 1):
                error = best_match(validator.iter_errors(row))
                if error is not None:
                    raise _invalid(member, index, error)
                yield row
        except BadJSON as exc:
            raise _bad_json(member, exc, index + 1) from None

    def read(self, member: str) -> bytes:
        return self._zip.read(member)

    def extract(self, member: str, dst: Path) -> Path:
        return self._zip.extract(member, dst)

    def close(self) -> None:
        self._zip.close()


def _bad_json(member: str, exc: BadJSON, index: int) -> ArchiveError:
    where = exc.params.get("index", index)
    if exc.reason == BadJSON.DEEP:
        return ArchiveError(N_("%(name)s, record %(index)s: lists or objects nest more than %(limit)s levels, which "
                               "no Havre archive does; make a new export from the instance it came from and import "
                               "that."), name=member, index=where, limit=exc.params["limit"])
    if exc.reason == BadJSON.RECORD:
        return ArchiveError(N_("%(name)s, record %(index)s is larger than %(limit)s KiB, more than a record of a Havre "
                               "archive holds; make a new export from the instance it came from and import that."),
                            name=member, index=where, limit=exc.params["limit"])
    if exc.reason == BadJSON.TEXT:
        return ArchiveError(N_("%(name)s, record %(index)s holds text no database can store (a NUL character or half "
                               "of a surrogate pair), which no Havre archive does; make a new export from the instance "
                               "it came from and import that."), name=member, index=where)
    if exc.reason == BadJSON.COSTLY:
        return ArchiveError(N_("%(name)s would take %(cost)s MiB of memory to read, more than the %(budget)s MiB "
                               "allowed; make a new export from the instance it came from and import that."),
                            name=member, cost=exc.params["cost"], budget=exc.params["budget"])
    return ArchiveError(N_("%(name)s is not valid JSON (record %(index)s: %(problem)s); make a new export from the "
                           "instance it came from and import that."), name=member, index=where,
                        problem=str(exc.params.get("problem", ""))[:120])


def _manifest(zf: zipread.SafeZip) -> dict[str, Any]:
    if MANIFEST not in zf.files:
        raise ArchiveError(N_("This zip has no manifest.json: it is not a Havre archive."))
    try:
        manifest = jsonread.loads(zf.read(MANIFEST), budget=MANIFEST_BUDGET)
    except BadJSON as exc:
        raise _bad_json(MANIFEST, exc, 0) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(N_("This zip's manifest.json is not a Havre archive's."))
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ArchiveError(N_("The format version in manifest.json is missing or invalid; make a new export from the "
                              "instance it came from and import that."))
    if version > VERSION:
        raise ArchiveError(N_("This archive has format version %(version)s, newer than this Havre reads (%(ours)s). "
                              "Update Havre, then import it again."), version=version, ours=VERSION)
    error = best_match(MANIFEST_SCHEMA.iter_errors(manifest))
    if error is not None:
        raise _invalid(MANIFEST, 1, error)
    return manifest


def verify(path: Path, *, media: MediaLimits = MediaLimits(), label: str | None = None) -> Archive:
    """Open ``path`` and check it whole; raises ``ArchiveError`` at the first problem. ``media``:
    the instance's media limits, which bound each original before it is inflated; ``label``: what
    the refusals call the zip (its name when it was uploaded)."""
    zf = zipread.SafeZip(path, label=label or path.name, limits=_limits(media), error=ArchiveError,
                         unreadable=N_("%(name)s is not a readable zip archive (%(problem)s)."))
    try:
        archive = Archive(path, _check(zf), zf)
        for section, count in archive.manifest["counts"].items():
            found = sum(1 for _ in archive.rows(section))
            if found != count:
                raise ArchiveError(N_("%(name)s holds %(found)s records, the manifest says %(count)s."),
                                   name=data_name(section), found=found, count=count)
        return archive
    except BaseException:
        zf.close()
        raise


def _check(zf: zipread.SafeZip) -> dict[str, Any]:
    odd = [*zf.unsafe, *zf.folders]
    if odd:
        raise ArchiveError(N_("The archive holds a file named %(name)s, which is not allowed."), name=repr(odd[0]))
    manifest = _manifest(zf)
    listed = {str(entry["path"]): entry for entry in manifest["files"]}
    for name in sorted(set(zf.files) - {MANIFEST}):
        if name not in listed:
            raise ArchiveError(N_("%(name)s is in the archive but not in its manifest: the archive was changed."),
                               name=name)
    for name in listed:
        if name not in zf.files:
            raise ArchiveError(N_("%(name)s is in the manifest but missing from the archive: it is incomplete."),
                               name=name)
    counted = {data_name(section) for section in manifest["counts"]}
    uncounted = sorted(counted ^ {n for n in listed if n.startswith("data/")})
    if uncounted and uncounted[0] in counted:
        raise ArchiveError(N_("%(name)s is counted in the manifest but missing."), name=uncounted[0])
    if uncounted:  # every data file is read through its count, so none goes unchecked
        raise ArchiveError(N_("%(name)s is in the archive but the manifest does not count its records: the archive "
                              "was changed."), name=uncounted[0])
    for name, entry in listed.items():
        if zf.sha256(name) != (entry["size"], entry["sha256"]):
            raise ArchiveError(N_("%(name)s does not match its size or SHA-256 in the manifest: the archive was "
                                  "changed or damaged."), name=name)
    return manifest


def is_havre_archive(path: Path) -> bool:
    """Whether a zip says it is a Havre archive (checked in full later, by ``verify``): a sniff of
    the manifest's first 4 KiB, inflated no further."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(MANIFEST) as manifest:
            return b'"havre-export"' in manifest.read(4096)
    except (*zipread.DAMAGED, KeyError):
        return False


def _first(rows: Generator[dict[str, Any], None, None]) -> dict[str, Any]:
    with closing(rows):  # the rest is not read: the member is closed at once
        return next(rows, {})


def _bounded(rows: Iterator[dict[str, Any]], key: str, limit: int, problems: list[str], what: str) -> list[Any]:
    """``row[key]`` of the first ``limit`` rows (the rest only counted, into a problem)."""
    kept: list[Any] = []
    left_out = 0
    for row in rows:
        if len(kept) < limit:
            kept.append(row[key] if key else row)
        else:
            left_out += 1
    if left_out:
        problems.append(f"{left_out} more {what} than the {limit} an import keeps: left out")
    return kept


def plan_archive(archive: Archive, source: str, *, max_items: int) -> Plan:
    """What to bring in from a verified archive: each video from its original (re-transcoded here)
    with its dates, caption, settings, subtitles and TikTok data; the profile and chosen interests;
    who they followed; and, read-only, the comments others wrote on their videos (other people's
    data: not re-posted). Reads one record at a time, and keeps at most ``max_items`` videos (more:
    refused, before anything is written) and ``MAX_KEPT`` of each other list."""
    files = {str(entry["path"]) for entry in archive.manifest["files"]}
    user = _first(archive.rows("users"))
    plan = Plan(kind=HAVRE, source=source, profile={
        "display_name": str(user.get("display_name") or ""), "bio": str(user.get("bio") or ""),
        **({"language": user["language"]} if user.get("language") else {}),
        **({"avatar_member": AVATAR} if AVATAR in files else {})})
    plan.following = _bounded(archive.rows("following"), "handle", MAX_KEPT, plan.problems, "follows")
    plan.comments = _bounded(archive.rows("comments_on_my_videos"), "", MAX_KEPT, plan.problems, "comments")
    plan.interests = _bounded(archive.rows("interests"), "tag", MAX_KEPT, plan.problems, "interests")
    by_video = {name.split("/")[2]: name for name in files if ORIGINAL.fullmatch(name)}
    missing = 0
    own: set[str] = set()
    for video in archive.rows("videos"):
        own.add(video["id"])
        member = by_video.get(video["id"])
        if member is None:
            missing += 1
            if missing <= MAX_PROBLEMS:
                plan.problems.append(f"video {video['id'][:64]}: no original in the archive, not imported")
            continue
        if len(plan.items) >= max_items:
            raise ArchiveError(TOO_MANY, limit=max_items)
        plan.items.append({
            "label": str(video["original_name"] or video["caption"] or video["id"])[:500],
            "archive_member": member, "caption": video["caption"][:MAX_CAPTION],
            "posted_at": datetime.fromisoformat(video["posted_at"]).astimezone(UTC).isoformat(),
            "tiktok_id": video["tiktok_id"], "sound": video["sound_title"],
            "legacy_counts": video["legacy_counts"], "visibility": video["visibility"],
            "allow_comments": video["allow_comments"],
            # A draft (or one scheduled) comes back a draft, cut and covered as it was: the archive
            # holds the whole original (archives made before these columns have none of them).
            "draft": bool(video.get("draft")) or video.get("status") == "draft",
            "publish_at": video.get("publish_at"), "trim_start_s": video.get("trim_start_s"),
            "trim_end_s": video.get("trim_end_s"), "cover_s": video.get("cover_s"),
            "subtitle_members": {lang: subtitle_name(video["id"], lang) for lang in video["subtitle_langs"]
                                 if subtitle_name(video["id"], lang) in files}})
    if missing > MAX_PROBLEMS:
        plan.problems.append(f"{missing - MAX_PROBLEMS} more videos without an original, not imported")
    _plan_activity(archive, plan, own)
    return plan


def _plan_activity(archive: Archive, plan: Plan, own: set[str]) -> None:
    """The videos the person liked and commented on (ids of the old instance), for the restore to
    find here once the videos are in (``imports.restore``)."""
    plan.likes = _bounded(archive.rows("likes"), "video_id", MAX_KEPT, plan.problems, "likes")
    commented = _bounded(archive.rows("comments"), "video_id", MAX_KEPT, plan.problems, "of your comments")
    plan.comments_on_own = sum(video_id in own for video_id in commented)
    plan.comments_elsewhere = [video_id for video_id in commented if video_id not in own]
