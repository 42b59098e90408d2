"""Background jobs of videos: make an upload playable, build its ladder, purge deleted files.

Each handler is idempotent: re-running after a crash overwrites the same blob keys and
checks the row's state first, so a retried job never publishes twice.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from havre.blobs import keys
from havre.db.base import utcnow
from havre.errors import N_
from havre.jobs import enqueue, handler
from havre.jobs.registry import PermanentJobError
from havre.media import probe as media_probe
from havre.media import transcode
from havre.media.errors import MediaError, MediaRejected
from havre.media.types import media_type
from havre.regions.changes import VIDEOS, announce
from havre.regions.work import JobContext
from havre.videos import DROP_FILES_JOB, LADDER_JOB, POSTER_JOB, PROCESS_JOB, PUBLISH_JOB, PURGE_FILES_JOB, service
from havre.videos.models import DRAFT, FAILED, PROCESSING, READY, Rendition, Video


def _fail(ctx: JobContext, video_id: str, message: str) -> None:
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is not None:
            video.status = FAILED
            video.error = message
            announce(s, VIDEOS)
            s.commit()
    ctx.region.blobs.delete_prefix(keys.video_prefix(video_id))
    raise PermanentJobError(message)


def _fail_if_last(ctx: JobContext, video_id: str) -> None:
    """ffmpeg failed on a file we accepted: retried, but after the last try the owner must see why,
    not "processing" forever."""
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        playable = video is not None and video.status in (READY, DRAFT)  # the remux plays; keep it
    if ctx.last_attempt and not playable:
        _fail(ctx, video_id, N_("We could not convert this video. Export it again from your editor "
                                "(MP4, H.264) and upload it once more."))


def _check_decoded_length(output: Path, probed: media_probe.ProbeResult, limit_s: float) -> None:
    """The encode stopped just past the limit; an output longer than the limit means the source was
    longer than its header said."""
    decoded = media_probe.probe(output).duration_s
    if decoded > limit_s + transcode.OVERRUN_S / 2:
        raise MediaRejected(N_("The video runs longer than the %(limit)s s limit, though its file said %(claimed)s s. "
                               "Trim it and upload again."), code="too_long", limit=round(limit_s),
                            claimed=round(probed.duration_s))


def _fetch_original(ctx: JobContext, video: Video, workdir: Path,
                    known: dict[str, Any] | None = None) -> tuple[Path, media_probe.ProbeResult]:
    src = workdir / "original"
    ctx.region.blobs.download(video.original_key, src)
    if known:
        return src, media_probe.ProbeResult(**known)
    try:
        return src, media_probe.probe(src)
    except MediaRejected as exc:
        _fail(ctx, video.id, str(exc))
        raise  # unreachable: _fail raises


def _fetch_source(ctx: JobContext, video: Video, workdir: Path,
                  known: dict[str, Any] | None = None) -> tuple[Path, media_probe.ProbeResult]:
    """The original, cut to the part its owner kept (the same cut each time: see transcode.trim)."""
    src, probed = _fetch_original(ctx, video, workdir, known)
    if video.trim_start_s is None and video.trim_end_s is None:
        return src, probed
    end = video.trim_end_s if video.trim_end_s is not None else probed.duration_s
    try:
        cut = transcode.trim(src, workdir / "kept", probed, start_s=video.trim_start_s or 0.0, end_s=end,
                             timeout_s=ctx.settings.media.transcode_timeout_s, probe=media_probe.probe)
    except MediaRejected as exc:
        _fail(ctx, video.id, str(exc))
    except MediaError:
        _fail_if_last(ctx, video.id)
        raise
    return workdir / "kept", cut


def _done(video: Video) -> str:
    """The status of a processed video: a draft stays its owner's until posted."""
    return DRAFT if video.draft else READY


@handler(PROCESS_JOB)
def process_upload(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Make the video playable as fast as possible: remux when we can, else the full ladder."""
    video_id = payload["video_id"]
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None or video.status != PROCESSING or video.mp4_key:
            return  # deleted meanwhile, or already done by an earlier attempt
    with tempfile.TemporaryDirectory(prefix="havre-") as tmp:
        workdir = Path(tmp)
        original = payload.get("probe")
        src, probed = _fetch_source(ctx, video, workdir, original)
        if not media_probe.can_remux(probed):
            _ladder(ctx, video_id, src=src, probed=probed)
            return
        prefix = keys.video_prefix(video_id)
        timeout = ctx.settings.media.transcode_timeout_s
        try:
            # Both are single-threaded ffmpeg runs over the same input: do them side by side.
            with ThreadPoolExecutor(max_workers=2) as pool:
                remux = pool.submit(transcode.remux_faststart, src, workdir / "play.mp4", timeout_s=timeout,
                                    max_duration_s=ctx.settings.media.max_duration_s)
                poster = pool.submit(transcode.make_poster, src, workdir / "poster.jpg", probed, timeout_s=timeout,
                                     at_s=video.cover_s)
                remux.result()
                poster.result()
            _check_decoded_length(workdir / "play.mp4", probed, ctx.settings.media.max_duration_s)
        except MediaRejected as exc:
            _fail(ctx, video_id, str(exc))
        except MediaError:
            _fail_if_last(ctx, video_id)
            raise
        ctx.region.blobs.put_file(prefix + "play.mp4", workdir / "play.mp4", content_type="video/mp4")
        ctx.region.blobs.put_file(prefix + "poster.jpg", workdir / "poster.jpg", content_type="image/jpeg")
    ctx.report_progress(0.5)
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None:
            ctx.region.blobs.delete_prefix(prefix)
            return
        video.mp4_key = prefix + "play.mp4"
        video.poster_key = prefix + "poster.jpg"
        video.duration_s = probed.duration_s  # the kept part's, when trimmed
        video.status = _done(video)
        announce(s, VIDEOS)  # playable: a feed may show it now
        # Playable now; the adaptive ladder follows in the background and replaces it. It cuts
        # the original again, so it gets the original's probe.
        enqueue(s, LADDER_JOB, {"video_id": video_id, "probe": original or None}, priority=10)
        s.commit()


@handler(LADDER_JOB)
def build_ladder(ctx: JobContext, payload: dict[str, Any]) -> None:
    _ladder(ctx, payload["video_id"], known_probe=payload.get("probe"))


def _ladder(ctx: JobContext, video_id: str, *, src: Path | None = None,
            probed: media_probe.ProbeResult | None = None, known_probe: dict[str, Any] | None = None) -> None:
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None or video.hls_key:
            return
    with tempfile.TemporaryDirectory(prefix="havre-") as tmp:
        workdir = Path(tmp)
        if src is None or probed is None:
            src, probed = _fetch_source(ctx, video, workdir, known_probe)
        out = workdir / "ladder"
        out.mkdir()
        timeout = ctx.settings.media.transcode_timeout_s
        try:
            renditions = transcode.build_ladder(src, out, probed, timeout_s=timeout,
                                                progress=lambda f: ctx.report_progress(0.5 + f / 2),
                                                max_duration_s=ctx.settings.media.max_duration_s)
            _check_decoded_length(renditions[0].mp4, probed, ctx.settings.media.max_duration_s)
            transcode.write_master_playlist(renditions, out / "master.m3u8",
                                            uri_for=lambda r: r.playlist.relative_to(out).as_posix())
            if not (out / "poster.jpg").exists():
                transcode.make_poster(src, out / "poster.jpg", probed, timeout_s=timeout, at_s=video.cover_s)
        except MediaRejected as exc:
            _fail(ctx, video_id, str(exc))
        except MediaError:
            _fail_if_last(ctx, video_id)
            raise
        prefix = keys.video_prefix(video_id) + "hls/"
        for path in sorted(out.rglob("*")):
            if path.is_file():
                ctx.region.blobs.put_file(prefix + path.relative_to(out).as_posix(), path,
                                          content_type=media_type(path))
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None:
            ctx.region.blobs.delete_prefix(keys.video_prefix(video_id))
            return
        s.execute(delete(Rendition).where(Rendition.video_id == video_id))
        for r in renditions:
            s.add(Rendition(video_id=video_id, name=r.name, width=r.width, height=r.height,
                            bitrate_kbps=r.bitrate_kbps, mp4_key=prefix + r.mp4.relative_to(out).as_posix(),
                            playlist_key=prefix + r.playlist.relative_to(out).as_posix()))
        video.hls_key = prefix + "master.m3u8"
        video.poster_key = video.poster_key or prefix + "poster.jpg"
        # The best rendition replaces the remuxed original for MP4 playback (smaller, faststart).
        video.mp4_key = prefix + renditions[0].mp4.relative_to(out).as_posix()
        video.duration_s = probed.duration_s
        if video.status != _done(video):
            video.status = _done(video)
            announce(s, VIDEOS)
        # The remux served while the ladder was built is no longer referenced, but a player that
        # fetched the old URL just before the switch may still be reading it: drop it later.
        grace = timedelta(seconds=ctx.settings.media.replaced_file_grace_s)
        enqueue(s, DROP_FILES_JOB, {"keys": [keys.video_prefix(video_id) + "play.mp4"]},
                run_after=utcnow() + grace, priority=20)
        s.commit()


@handler(PUBLISH_JOB)
def publish_when_due(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Post a scheduled draft. The runner starts it at its time; it does nothing when the owner
    posted, rescheduled or deleted the video meanwhile (the job names the time it was booked for)."""
    with ctx.region.session() as s:
        video = s.get(Video, payload["video_id"])
        if video is None or not video.draft or video.publish_at is None:
            return
        if video.publish_at.isoformat() != payload["at"]:
            return
        service.publish(s, video)
        s.commit()


@handler(POSTER_JOB)
def make_cover(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The poster again, from the frame the owner chose; the old one goes after the grace time."""
    video_id = payload["video_id"]
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None or video.cover_s is None or video.cover_s != payload["cover_s"] \
                or video.status not in (READY, DRAFT):
            return  # deleted, or another cover chosen since (its own job makes it)
    name = f"cover-{round(video.cover_s * 1000)}.jpg"
    with tempfile.TemporaryDirectory(prefix="havre-") as tmp:
        workdir = Path(tmp)
        src, probed = _fetch_source(ctx, video, workdir)
        try:
            transcode.make_poster(src, workdir / name, probed, timeout_s=ctx.settings.media.transcode_timeout_s,
                                  at_s=video.cover_s)
        except MediaError:
            if ctx.last_attempt:
                raise PermanentJobError(N_("We could not make the cover from this frame.")) from None
            raise
        key = keys.video_prefix(video_id) + name
        ctx.region.blobs.put_file(key, workdir / name, content_type="image/jpeg")
    with ctx.region.session() as s:
        video = s.get(Video, video_id)
        if video is None:
            ctx.region.blobs.delete_prefix(keys.video_prefix(video_id))
            return
        old, video.poster_key = video.poster_key, key
        if old and old != key:  # a page loaded a moment ago may still show it
            grace = timedelta(seconds=ctx.settings.media.replaced_file_grace_s)
            enqueue(s, DROP_FILES_JOB, {"keys": [old]}, run_after=utcnow() + grace, priority=20)
        announce(s, VIDEOS)  # the cards carry the poster
        s.commit()


@handler(DROP_FILES_JOB)
def drop_files(ctx: JobContext, payload: dict[str, Any]) -> None:
    for key in payload["keys"]:
        ctx.region.blobs.delete(key)


@handler(PURGE_FILES_JOB)
def purge_files(ctx: JobContext, payload: dict[str, Any]) -> None:
    ctx.regions.directory.forget_video(payload["video_id"])
    ctx.region.blobs.delete_prefix(keys.video_prefix(payload["video_id"]))
    if payload.get("original_key"):
        ctx.region.blobs.delete(payload["original_key"])
