"""Running an import: download with bounded concurrency, publish each item exactly once, resume.

Each item is committed in the same transaction as its video, so after a crash an item is either
imported (its video exists) or pending (nothing of it exists, the temp files died with the
process). Re-running skips what exists, by TikTok id and by the SHA-256 of the file.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import MediaLimits, Settings
from havre.db.base import new_id, utcnow
from havre.errors import N_, HavreError, InvalidInput
from havre.imports import RUN_JOB, ytdlp
from havre.imports.fetch import FetchError, FetchPolicy, download
from havre.imports.havre_archive import HAVRE, Archive, is_havre_archive
from havre.imports.models import (
    DONE,
    FAILED,
    IMPORTED,
    PENDING,
    RUNNING,
    SKIPPED,
    ImportItem,
    ImportRun,
    TikTokFollower,
)
from havre.imports.plan import EXPORT, TOO_MANY, URL, URLS, Plan
from havre.imports.profile import apply_profile
from havre.imports.quota import admit
from havre.imports.restore import activity
from havre.jobs import enqueue
from havre.media.slideshow import make_slideshow
from havre.net.guarded import Guard
from havre.regions import Region
from havre.regions.directory import Directory
from havre.videos import service as videos
from havre.videos.models import PRIVATE_VIS, Video

LEASE = timedelta(seconds=60)
Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


class ImportBusy(HavreError):
    status_code = 409


@dataclass
class Outcome:
    path: Path | None = None
    inspected: videos.Inspected | None = None
    subtitles: dict[str, bytes] = field(default_factory=dict)  # language -> WebVTT
    extra: dict[str, Any] = field(default_factory=dict)
    failure: tuple[str, dict[str, Any]] | None = None


def member_guard(settings: Settings) -> Guard:
    """What a member's import may fetch: public addresses, plus the hosts the operator allowed
    (HAVRE_IMPORT_ALLOW_HOSTS). The operator's own CLI passes ``havre.net.guarded.OPERATOR``."""
    return Guard.for_members(settings.import_allow_hosts)


def start_import(s: Session, user: User, plan: Plan, *, drafts: bool) -> ImportRun:
    """Write the run and its items (the caller commits): the operator's CLI, one import at a time
    for a member (``quota.admit``)."""
    admit(s, user, from_page=False)
    run = ImportRun(user_id=user.id, source_kind=plan.kind, source=plan.source, drafts=drafts)
    s.add(run)
    s.flush()
    add_plan(s, run, plan)
    return run


def add_plan(s: Session, run: ImportRun, plan: Plan) -> None:
    """The items of a planned source, and what else the export said, into ``run``."""
    run.source_kind = plan.kind
    run.extras = {"profile": plan.profile, "following": plan.following, "problems": plan.problems,
                  **({"archived_comments": plan.comments} if plan.comments else {}),
                  **({"interests": plan.interests} if plan.interests else {}),
                  **({"activity": activity(plan)} if plan.kind == HAVRE else {}),
                  # so its report, and no later one, says they were kept (``report.report``)
                  **({"brought_followers": True} if plan.followers else {})}
    for handle, since in plan.followers:  # kept privately, so the creator can invite them back
        s.merge(TikTokFollower(user_id=run.user_id, handle=handle[:64],
                               since=datetime.fromisoformat(since) if since else None))
    for position, spec in enumerate(plan.items):
        tiktok_id = spec.get("tiktok_id")  # a TikTok id is 19 digits; the column keeps 32
        spec["tiktok_id"] = tiktok_id if isinstance(tiktok_id, str) and 0 < len(tiktok_id) <= 32 else None
        s.add(ImportItem(run_id=run.id, user_id=run.user_id, position=position,
                         label=str(spec.get("label", ""))[:500], tiktok_id=spec["tiktok_id"], spec=spec))
    s.flush()


def plan_later(s: Session, user: User, *, kind: str, source: str, drafts: bool, source_key: str | None = None,
               run_id: str | None = None) -> ImportRun:
    """An import started from the page: the job reads the source (an uploaded zip, links) and plans it.
    One at a time for a member (``quota.admit``)."""
    admit(s, user, from_page=True)
    run = ImportRun(id=run_id or new_id(), user_id=user.id, source_kind=kind, source=source, drafts=drafts)
    s.add(run)
    s.flush()
    enqueue(s, RUN_JOB, {"run_id": run.id, "source_key": source_key}, priority=15)
    return run


def start_from_export(region: Region, user: User, export: Path, *, filename: str, drafts: bool) -> ImportRun:
    """An uploaded TikTok export or Havre archive: kept in the member's home region until its import
    job has read it (a Havre archive: until its videos are in). Committed with its job, or nothing
    stays (not even the file)."""
    with open(export, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise InvalidInput(N_("%(name)s is not a zip archive. Upload the .zip file TikTok or Havre gave you."),
                               field="file", name=filename or "file")
    with region.session() as s:  # refused before the upload is stored; checked again below, under the lock
        admit(s, user, from_page=True)
    run_id = new_id()
    key = keys.import_source(user.id, run_id)
    region.blobs.put_file(key, export)
    try:
        with region.session() as s:
            kind = HAVRE if is_havre_archive(export) else EXPORT
            run = plan_later(s, user, kind=kind, source=filename or "export.zip", drafts=drafts, source_key=key,
                             run_id=run_id)
            s.commit()
            return run
    except BaseException:
        region.blobs.delete(key)  # leave nothing half-written
        raise


def start_from_links(region: Region, user: User, links: str, *, drafts: bool, max_items: int) -> ImportRun:
    """Pasted links (videos or a profile): checked now for what can be said at once, planned by the job."""
    if not URL.search(links):
        raise InvalidInput(N_("No links found. Paste TikTok video links or your profile link."), field="links")
    if len(URL.findall(links)) > max_items:
        raise InvalidInput(TOO_MANY, field="links", limit=max_items)
    with region.session() as s:
        run = plan_later(s, user, kind=URLS, source=links.strip()[:20_000], drafts=drafts)
        s.commit()
        return run


def fail_run(region: Region, run_id: str, template: str, params: dict[str, Any]) -> None:
    with region.session() as s:
        s.execute(update(ImportRun).where(ImportRun.id == run_id).values(
            status=FAILED, error=template % params if params else template, finished_at=utcnow(),
            extras={"reason": {"template": template, "params": params}}))
        s.commit()


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(locked_by: str | None) -> bool:
    host, _, pid = (locked_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust its lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(region: Region, run_id: str) -> None:
    """Take the run for this process: free, lease ran out, or its holder on this machine died."""
    with region.session() as s:
        run = s.get(ImportRun, run_id)
        if run is None:
            raise HavreError(N_("This import does not exist."))
        now = utcnow()
        free = (run.locked_by in (None, _me()) or run.locked_until is None or run.locked_until < now
                or not _alive(run.locked_by))
        if not free:
            raise ImportBusy(N_("This import is already running in another process; wait for it or stop it."))
        taken = cast("CursorResult[Any]", s.execute(update(ImportRun).where(ImportRun.id == run_id, or_(
            ImportRun.locked_by.is_(None), ImportRun.locked_by == run.locked_by)).values(
            locked_by=_me(), locked_until=now + LEASE, status=RUNNING))).rowcount
        s.commit()
        if not taken:
            raise ImportBusy(N_("This import is already running in another process; wait for it or stop it."))


def _fetch(spec: dict[str, Any], workdir: Path, policy: FetchPolicy, limits: MediaLimits,
           cookies_file: Path | None, guard: Guard, archive: Archive | None) -> Outcome:
    """Get the item's file and inspect it (in a worker thread). Never raises: failures become the outcome."""
    try:
        extra: dict[str, Any] = {}
        if spec.get("archive_member"):  # a Havre archive's original, verified against its manifest
            if archive is None:
                return Outcome(failure=(N_("The archive of this import is no longer here; start it again."), {}))
            path = archive.extract(spec["archive_member"], workdir / "original")
            # The same checks as yt-dlp's tracks get (a language tag, 1 MiB, WebVTT); the archive's
            # reader refused a larger one before reading it.
            tracks = {lang: archive.read(member) for lang, member in (spec.get("subtitle_members") or {}).items()
                      if ytdlp.LANG.fullmatch(lang)}
            subtitles = {lang.lower(): data for lang, data in tracks.items() if ytdlp.subtitle_ok(lang, data)}
            return Outcome(path=path, inspected=videos.inspect_upload(path, limits), subtitles=subtitles)
        if spec.get("local_path"):
            path = Path(spec["local_path"])
        elif spec.get("page_url"):
            path, info = ytdlp.download_page(spec["page_url"], workdir, guard=guard, policy=policy,
                                             cookies_file=cookies_file, sleep_s=ytdlp.polite_sleep(spec["page_url"]))
            extra = ytdlp.spec_from_info(info)
        elif len(spec.get("links") or []) > 1:  # a photo post: its images become a slideshow
            images = [workdir / f"image{i}" for i in range(len(spec["links"]))]
            for link, image in zip(spec["links"], images, strict=True):
                download(link, image, guard=guard, policy=policy)
            path = make_slideshow(images, workdir / "slideshow.mp4", timeout_s=limits.transcode_timeout_s)
        else:
            path = workdir / "video"
            download(spec["links"][0], path, guard=guard, policy=policy)
        # The sandboxed probe and the hash run here, beside the other downloads, not one by one.
        return Outcome(path=path, inspected=videos.inspect_upload(path, limits), extra=extra,
                       subtitles=subtitles_beside(path))
    except FetchError as exc:
        return Outcome(failure=(exc.template, exc.params))
    except HavreError as exc:
        return Outcome(failure=(exc.template, exc.params))
    except Exception:  # noqa: BLE001 - one bad item must not stop the import
        # The exception's text stays in the log: it can describe the server's insides.
        log.exception("import item %s failed unexpectedly", spec.get("label"))
        return Outcome(failure=(N_("Unexpected error; this video was not imported."), {}))


def subtitles_beside(media: Path) -> dict[str, bytes]:
    """yt-dlp's subtitle files next to a video (``ID.LANG.vtt``): language -> WebVTT text.

    Only small files that are WebVTT are kept; the browser parses them, never our server.
    """
    found: dict[str, bytes] = {}
    for vtt in sorted(media.parent.glob(f"{media.stem}.*.vtt")):
        lang = vtt.name[len(media.stem) + 1:-len(".vtt")]
        with open(vtt, "rb") as f:
            data = f.read(ytdlp.SUBTITLE_MAX + 1)
        if ytdlp.subtitle_ok(lang, data):
            found[lang.lower()] = data
    return found


def _already(s: Session, owner_id: str, tiktok_id: str | None, sha256: str, *,
             posted_at: datetime | None = None) -> Video | None:
    """The video this item already became. A Havre archive may hold one file posted twice: there the
    same original counts as the same video only with the same posting time."""
    match = Video.original_sha256 == sha256
    if posted_at is not None:
        match = match & (Video.posted_at == posted_at)
    if tiktok_id:
        match = or_(match, Video.tiktok_id == tiktok_id)
    return s.scalar(select(Video).where(Video.owner_id == owner_id, match).limit(1))


def _settle(item: ImportItem, status: str, template: str, params: dict[str, Any]) -> None:
    """Mark an item skipped or failed, with its reason (kept as a template, translated when shown)."""
    item.status = status
    item.reason = template % params if params else template
    item.spec = {**item.spec, "reason": {"template": template, "params": params}}


def _posting(spec: dict[str, Any]) -> videos.Posting:
    """How a restored video is posted: a draft stays a draft, a schedule still ahead stays
    scheduled (one that passed meanwhile comes back a draft, for its owner to post), with its cut
    and cover."""
    publish_at = _posted_at(spec.get("publish_at")) if spec.get("publish_at") else None
    if publish_at is not None and (publish_at.tzinfo is None or publish_at <= utcnow()):
        publish_at = None
    return videos.Posting(draft=bool(spec.get("draft")) and publish_at is None, publish_at=publish_at,
                          trim_start_s=spec.get("trim_start_s"), trim_end_s=spec.get("trim_end_s"),
                          cover_s=spec.get("cover_s"))


def _posted_at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _publish(region: Region, directory: Directory, settings: Settings, run: ImportRun, item_id: int,
             outcome: Outcome) -> None:
    """Record one item's result; its video and its status commit together."""
    with region.session() as s:
        item = s.get(ImportItem, item_id)
        owner = s.get(User, run.user_id)
        assert item is not None and owner is not None
        spec = {**item.spec, **{k: v for k, v in outcome.extra.items() if v}}
        if outcome.failure is not None or outcome.path is None:
            template, params = outcome.failure or (N_("Nothing was downloaded."), {})
            _settle(item, FAILED, template, params)
            s.commit()
            return
        assert outcome.inspected is not None
        existing = _already(s, owner.id, spec.get("tiktok_id"), outcome.inspected.sha256,
                            posted_at=_posted_at(spec.get("posted_at")) if spec.get("archive_member") else None)
        if existing is not None:
            item.video_id = existing.id
            _settle(item, SKIPPED, N_("already imported"), {})
            s.commit()
            return
        visibility = PRIVATE_VIS if run.drafts else spec.get("visibility") or "public"
        try:
            video = videos.create_upload(region, directory, s, owner, outcome.path, limits=settings.media,
                                         caption=str(spec.get("caption") or "")[:videos.MAX_CAPTION],
                                         visibility=visibility, original_name=str(spec.get("label"))[:256],
                                         inspected=outcome.inspected, posting=_posting(spec))
        except HavreError as exc:
            s.rollback()
            item = s.get(ImportItem, item_id)
            assert item is not None
            _settle(item, FAILED, exc.template, exc.params)
            s.commit()
            return
        videos.apply_imported(region, video, videos.ImportedFacts(
            posted_at=_posted_at(spec.get("posted_at")), tiktok_id=spec.get("tiktok_id"),
            sound_title=str(spec["sound"]) if spec.get("sound") else None,
            legacy_counts={k: int(v) for k, v in (spec.get("legacy_counts") or {}).items()},
            allow_comments=spec.get("allow_comments") is not False, subtitles=outcome.subtitles))
        item.status, item.video_id, item.reason = IMPORTED, video.id, None
        s.execute(update(ImportRun).where(ImportRun.id == run.id).values(locked_until=utcnow() + LEASE))
        s.commit()


def run_import(region: Region, directory: Directory, settings: Settings, run_id: str, *,
               on_progress: Progress = lambda done, total: None, workers: int = 3,
               policy: FetchPolicy = FetchPolicy(), cookies_file: Path | None = None,
               guard: Guard | None = None, archive: Archive | None = None) -> ImportRun:
    """Import every pending item of a run; safe to call again after any interruption.

    Downloads go through ``guard``: by default a member's (``member_guard``). A Havre archive's
    items are read from ``archive``, verified by the caller."""
    guard = guard or member_guard(settings)
    _claim(region, run_id)
    try:
        with region.session() as s:
            run = s.get(ImportRun, run_id)
            assert run is not None
            pending = s.execute(select(ImportItem.id, ImportItem.spec).where(
                ImportItem.run_id == run_id, ImportItem.status == PENDING).order_by(ImportItem.position)).all()
            total = s.scalar(select(func.count()).select_from(ImportItem).where(ImportItem.run_id == run_id)) or 0
            s.expunge(run)
        apply_profile(region, directory, run, guard=guard, archive=archive)
        done = total - len(pending)
        on_progress(done, total)
        with tempfile.TemporaryDirectory(prefix="havre-import-") as tmp, \
                ThreadPoolExecutor(max_workers=workers) as pool:
            queue = list(pending)
            running: dict[Future[Outcome], tuple[int, Path]] = {}
            while queue or running:
                while queue and len(running) < workers:  # bounded: never more than `workers` files at once
                    item_id, spec = queue.pop(0)
                    workdir = Path(tmp) / str(item_id)
                    workdir.mkdir()
                    running[pool.submit(_fetch, spec, workdir, policy, settings.media, cookies_file,
                                        guard, archive)] = (item_id, workdir)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    item_id, workdir = running.pop(future)
                    _publish(region, directory, settings, run, item_id, future.result())
                    for leftover in sorted(workdir.rglob("*"), reverse=True):  # disk stays flat too
                        leftover.unlink() if leftover.is_file() else leftover.rmdir()
                    done += 1
                    on_progress(done, total)
        with region.session() as s:
            s.execute(update(ImportRun).where(ImportRun.id == run_id).values(
                status=DONE, finished_at=utcnow(), locked_by=None, locked_until=None))
            s.commit()
            finished_run = s.get(ImportRun, run_id)
            assert finished_run is not None
            return finished_run
    except BaseException:
        with region.session() as s:  # let the next attempt take over at once
            s.execute(update(ImportRun).where(ImportRun.id == run_id, ImportRun.locked_by == _me()).values(
                locked_by=None, locked_until=None))
            s.commit()
        raise
