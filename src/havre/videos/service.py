"""Every write to videos happens here; reads for viewers go through ``videos.access`` and ``videos.cards``."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import MediaLimits
from havre.db.base import utcnow
from havre.errors import N_, InvalidInput, NotFound, TooLarge
from havre.jobs import enqueue
from havre.media import probe as media_probe
from havre.media.errors import MediaRejected
from havre.regions import Region
from havre.regions.changes import VIDEOS, announce
from havre.regions.directory import Directory
from havre.videos import POSTER_JOB, PROCESS_JOB, PUBLISH_JOB, PURGE_FILES_JOB
from havre.videos.hashtags import parse_hashtags
from havre.videos.models import DRAFT, PUBLIC_VIS, READY, VISIBILITIES, Video, VideoHashtag

MAX_CAPTION = 2200
MAX_SCHEDULE = timedelta(days=30)  # how far ahead a post may be scheduled
MIN_KEPT_S = 1.0  # the shortest trimmed video


@dataclass(frozen=True, kw_only=True)
class Posting:
    """How an upload is posted: now, as a draft, or at ``publish_at`` (a draft until then);
    the part of the file kept (``trim_*``, seconds of the file) and the poster's frame
    (``cover_s``, seconds of the kept part)."""

    draft: bool = False
    publish_at: datetime | None = None
    trim_start_s: float | None = None
    trim_end_s: float | None = None
    cover_s: float | None = None


def _check_publish_at(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput(N_("The publish time needs a time zone (ISO 8601, ending in Z or an offset)."),
                           field="publish_at")
    at = at.astimezone(UTC)
    now = utcnow()
    if at <= now:
        raise InvalidInput(N_("The publish time is in the past; choose a time to come."), field="publish_at")
    if at > now + MAX_SCHEDULE:
        raise InvalidInput(N_("A post can be scheduled at most %(days)s days ahead."), field="publish_at",
                           days=MAX_SCHEDULE.days)
    return at


_NEGATIVE = {"trim_start_s": N_("The trim start cannot be negative."),
             "trim_end_s": N_("The trim end cannot be negative."),
             "cover_s": N_("The cover time cannot be negative.")}


def _check_number(value: float, name: str) -> float:
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        raise InvalidInput(N_("Times in the video must be numbers of seconds."), field=name)
    if value < 0:
        raise InvalidInput(_NEGATIVE[name], field=name)
    return round(value, 3)


def _check_trim(start: float | None, end: float | None, duration: float) -> tuple[float | None, float | None]:
    """The kept part of a file of ``duration`` seconds (None, None: all of it)."""
    if start is None and end is None:
        return None, None
    start = _check_number(start, "trim_start_s") if start is not None else 0.0
    end = _check_number(end, "trim_end_s") if end is not None else duration
    if end > duration + 0.05:
        raise InvalidInput(N_("The trim ends at %(end)s s but the video lasts %(duration)s s."), field="trim_end_s",
                           end=end, duration=round(duration, 2))
    end = min(end, duration)
    if start >= end:
        raise InvalidInput(N_("The trim must start before it ends (start %(start)s s, end %(end)s s)."),
                           field="trim_start_s", start=start, end=end)
    if end - start < MIN_KEPT_S:
        raise InvalidInput(N_("The trimmed video must last at least %(min)s s."), field="trim_end_s",
                           min=MIN_KEPT_S)
    return (start or None), (None if end >= duration else end)


def _check_cover(cover_s: float, duration: float) -> float:
    cover_s = _check_number(cover_s, "cover_s")
    if cover_s >= duration:
        raise InvalidInput(N_("The cover frame must be within the video (under %(duration)s s)."), field="cover_s",
                           duration=round(duration, 2))
    return cover_s


def kept_duration(duration: float, trim_start_s: float | None, trim_end_s: float | None) -> float:
    return (trim_end_s if trim_end_s is not None else duration) - (trim_start_s or 0.0)


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
                  allow_comments: bool = True, inspected: Inspected | None = None,
                  posting: Posting = Posting()) -> Video:
    """Validate an uploaded file, keep it as the private original and queue its processing.

    The file is probed in a sandboxed subprocess first (``inspect_upload``, unless the caller did
    it already), so a rejected upload stores nothing. The caller commits; the processing job
    exists only if that commit happens.
    """
    caption = _check_caption(caption)
    visibility = _check_visibility(visibility)
    publish_at = _check_publish_at(posting.publish_at) if posting.publish_at is not None else None
    inspected = inspected or inspect_upload(src, limits)
    probed = inspected.probed
    trim_start, trim_end = _check_trim(posting.trim_start_s, posting.trim_end_s, probed.duration_s)
    duration = kept_duration(probed.duration_s, trim_start, trim_end)  # the probe of the cut sets it exactly
    cover = _check_cover(posting.cover_s, duration) if posting.cover_s is not None else None
    video = Video(owner_id=owner.id, caption=caption, visibility=visibility, allow_comments=allow_comments,
                  original_key="", original_sha256=inspected.sha256, original_name=original_name[:256],
                  duration_s=duration, width=probed.width, height=probed.height, size_bytes=inspected.size,
                  draft=posting.draft or publish_at is not None, publish_at=publish_at,
                  trim_start_s=trim_start, trim_end_s=trim_end, cover_s=cover)
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
    if publish_at is not None:
        _enqueue_publish(s, video)
    return video


def upload(region: Region, directory: Directory, owner: User, src: Path, *, limits: MediaLimits,
           caption: str = "", visibility: str = PUBLIC_VIS, original_name: str = "",
           allow_comments: bool = True, posting: Posting = Posting()) -> Video:
    """``create_upload`` in a transaction of its own: committed, or nothing stays (not even the file)."""
    with region.session() as s:
        video = create_upload(region, directory, s, owner, src, limits=limits, caption=caption,
                              visibility=visibility, original_name=original_name, allow_comments=allow_comments,
                              posting=posting)
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
                 allow_comments: bool | None = None, cover_s: float | None = None) -> Video:
    """The owner's edit; what is None stays as it is. Turning comments off is ordered against
    comments being posted by the video's row (see ``social.counters.count_comment_if_open``).
    A new cover makes the poster again from that frame (job videos.poster)."""
    if cover_s is not None:
        if video.status not in (READY, DRAFT):
            raise InvalidInput(N_("This video is still processing; choose its cover once it is ready."),
                               field="cover_s")
        video.cover_s = _check_cover(cover_s, video.duration_s)
        enqueue(s, POSTER_JOB, {"video_id": video.id, "cover_s": video.cover_s}, priority=1)
    if caption is not None:
        video.caption = _check_caption(caption)
        _set_hashtags(video)
    if visibility is not None:
        video.visibility = _check_visibility(visibility)
    if allow_comments is not None:
        video.allow_comments = allow_comments
    announce(s, VIDEOS)  # the feeds' candidates carry caption, hashtags and visibility
    return video


def _enqueue_publish(s: Session, video: Video) -> None:
    assert video.publish_at is not None
    # The job names the time it was booked for: one left over from an earlier schedule does nothing.
    enqueue(s, PUBLISH_JOB, {"video_id": video.id, "at": video.publish_at.isoformat()}, run_after=video.publish_at)


def publish(s: Session, video: Video, *, at: datetime | None = None) -> Video:
    """Post a draft now, or schedule it for ``at`` (it stays a draft until then). A video still
    processing is posted as soon as it is ready. Posting a posted video again changes nothing (a
    double tap); scheduling one is refused. The caller commits."""
    if not video.draft and at is None:
        return video
    if not video.draft:
        raise InvalidInput(N_("This video is already posted."), field="publish_at")
    if at is not None:
        video.publish_at = _check_publish_at(at)
        _enqueue_publish(s, video)
        return video
    video.draft = False
    video.publish_at = None
    video.posted_at = utcnow()  # posted now: new in the feeds, whenever it was uploaded
    if video.status == DRAFT:
        video.status = READY
    announce(s, VIDEOS)
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
