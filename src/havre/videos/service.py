"""Every write to videos happens here; reads for viewers go through ``videos.access`` and ``videos.cards``."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import MediaLimits
from havre.errors import N_, InvalidInput, NotFound, TooLarge
from havre.jobs import enqueue
from havre.media import probe as media_probe
from havre.media.errors import MediaRejected
from havre.regions import Region
from havre.regions.changes import VIDEOS, announce
from havre.regions.directory import Directory
from havre.videos import PROCESS_JOB, PURGE_FILES_JOB
from havre.videos.hashtags import parse_hashtags
from havre.videos.models import PUBLIC_VIS, VISIBILITIES, Video, VideoHashtag

MAX_CAPTION = 2200


def _check_caption(caption: str) -> str:
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise InvalidInput(N_("Captions are at most %(max)s characters."), field="caption", max=MAX_CAPTION)
    return caption


def _check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise InvalidInput(N_("Visibility must be one of %(choices)s."), field="visibility",
                           choices=", ".join(VISIBILITIES))
    return visibility


def _set_hashtags(video: Video) -> None:
    video.hashtags = [VideoHashtag(video_id=video.id, tag=t) for t in parse_hashtags(video.caption)]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class Inspected:
    """What was learned about a file before it is accepted: probe, hash, size."""

    probed: media_probe.ProbeResult
    sha256: str
    size: int


def inspect_upload(src: Path, limits: MediaLimits) -> Inspected:
    """Check a file against the limits in the sandboxed probe (no database: safe in any thread)."""
    size = src.stat().st_size
    if size == 0:
        raise InvalidInput(N_("The file is empty; choose a video file to upload."), field="file")
    if size > limits.max_upload_bytes:
        raise TooLarge(N_("The file is %(size)s MiB; the limit is %(limit)s MiB."), field="file",
                       size=size // 2**20, limit=limits.max_upload_bytes // 2**20)
    try:
        probed = media_probe.probe(src)
        media_probe.check_limits(probed, max_bytes=limits.max_upload_bytes,
                                 max_duration_s=limits.max_duration_s, max_pixels=limits.max_pixels)
    except MediaRejected as exc:
        raise InvalidInput(exc.template, field="file", **exc.params) from exc
    return Inspected(probed=probed, sha256=sha256_file(src), size=size)


def create_upload(region: Region, directory: Directory, s: Session, owner: User, src: Path, *, limits: MediaLimits,
                  caption: str = "", visibility: str = PUBLIC_VIS, original_name: str = "",
                  allow_comments: bool = True, inspected: Inspected | None = None) -> Video:
    """Validate an uploaded file, keep it as the private original and queue its processing.

    The file is probed in a sandboxed subprocess first (``inspect_upload``, unless the caller did
    it already), so a rejected upload stores nothing. The caller commits; the processing job
    exists only if that commit happens.
    """
    caption = _check_caption(caption)
    visibility = _check_visibility(visibility)
    inspected = inspected or inspect_upload(src, limits)
    probed = inspected.probed
    video = Video(owner_id=owner.id, caption=caption, visibility=visibility, allow_comments=allow_comments,
                  original_key="", original_sha256=inspected.sha256, original_name=original_name[:256],
                  duration_s=probed.duration_s, width=probed.width, height=probed.height, size_bytes=inspected.size)
    s.add(video)
    s.flush()
    video.original_key = keys.original(video.id)
    _set_hashtags(video)
    # Before the commit: a video the directory cannot place would be unreachable (a stale entry
    # for a video whose commit failed only answers 404).
    directory.place_video(video.id, region.name)
    region.blobs.put_file(video.original_key, src)
    # The probe travels with the job so the worker need not parse the file a second time.
    enqueue(s, PROCESS_JOB, {"video_id": video.id, "probe": dataclasses.asdict(probed)}, priority=0)
    return video


def upload(region: Region, directory: Directory, owner: User, src: Path, *, limits: MediaLimits,
           caption: str = "", visibility: str = PUBLIC_VIS, original_name: str = "",
           allow_comments: bool = True) -> Video:
    """``create_upload`` in a transaction of its own: committed, or nothing stays (not even the file)."""
    with region.session() as s:
        video = create_upload(region, directory, s, owner, src, limits=limits, caption=caption,
                              visibility=visibility, original_name=original_name, allow_comments=allow_comments)
        try:
            s.commit()
        except BaseException:
            region.blobs.delete(video.original_key)  # leave nothing half-written
            raise
        return video


@dataclass(frozen=True, kw_only=True)
class ImportedFacts:
    """What an import knows of a video from where it came from (TikTok): kept with the video."""

    posted_at: datetime | None = None
    tiktok_id: str | None = None
    sound_title: str | None = None
    legacy_counts: dict[str, int] = field(default_factory=dict)
    allow_comments: bool = True
    subtitles: dict[str, bytes] = field(default_factory=dict)  # language -> WebVTT


def apply_imported(region: Region, video: Video, facts: ImportedFacts) -> Video:
    """Give a just-created video its imported date, ids, sound, old counts, settings and subtitle
    tracks (each at ``videos/<id>/subtitles/<lang>.vtt``). The caller commits."""
    video.posted_at = facts.posted_at or video.posted_at
    video.tiktok_id = facts.tiktok_id
    video.sound_title = facts.sound_title[:256] if facts.sound_title else None
    video.legacy_counts = dict(facts.legacy_counts)
    video.allow_comments = facts.allow_comments
    for lang, vtt in facts.subtitles.items():
        region.blobs.put_bytes(keys.video_file(video.id, f"subtitles/{lang}.vtt"), vtt, content_type="text/vtt")
    video.subtitle_langs = sorted(facts.subtitles)
    return video


def update_video(s: Session, video: Video, *, caption: str | None = None, visibility: str | None = None,
                 allow_comments: bool | None = None) -> Video:
    """The owner's edit; what is None stays as it is. Turning comments off is ordered against
    comments being posted by the video's row (see ``social.counters.count_comment_if_open``)."""
    if caption is not None:
        video.caption = _check_caption(caption)
        _set_hashtags(video)
    if visibility is not None:
        video.visibility = _check_visibility(visibility)
    if allow_comments is not None:
        video.allow_comments = allow_comments
    announce(s, VIDEOS)  # the feeds' candidates carry caption, hashtags and visibility
    return video


def delete_video(s: Session, video: Video) -> None:
    """Delete the rows now and every file of the video after commit (a job, so it survives a crash)."""
    s.delete(video)
    announce(s, VIDEOS)
    enqueue(s, PURGE_FILES_JOB, {"video_id": video.id, "original_key": video.original_key})
    # Likes and comments about it live in their authors' regions: each region drops its own.
    # By name: the social package, which handles it, sits above this one (tests/jobs/test_job_names).
    enqueue(s, "social.forget_video", {"video_id": video.id})


# -- reads -----------------------------------------------------------------------

def access_own_video(s: Session, video_id: str, viewer: User) -> Video:
    video = s.get(Video, video_id)
    if video is None or video.owner_id != viewer.id:
        raise NotFound(N_("This video does not exist or is not yours."))
    return video
