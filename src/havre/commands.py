"""What the CLI does, composed from the domain services (the CLI itself only parses and prints)."""

from __future__ import annotations

import errno
import getpass
import socket
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from havre.accounts import signin
from havre.accounts.access import access_account
from havre.accounts.models import User
from havre.app import create_app
from havre.config import Settings, record_base_url
from havre.db.base import utcnow
from havre.db.migrate import current_revision, upgrade
from havre.errors import N_, NotFound
from havre.imports import report as import_report
from havre.imports import service as imports
from havre.imports.models import DONE, ImportRun
from havre.imports.plan import plan_source
from havre.jobs.models import QUEUED, RUNNING, Job
from havre.portability.move import MoveReport, move_user
from havre.portability.residency import ResidencyReport, audit_residency
from havre.regions import Region, Regions, audit, open_regions
from havre.videos import service as videos
from havre.videos.models import Video
from havre.web.api.shapes import VideoFacts, avatar_url, media_url
from havre.web.connections import ConnectionGuard, guarded_protocol
from havre.workers.runner import JobRunner


def upgrade_all(settings: Settings) -> dict[str, str | None]:
    regions = open_regions(settings)
    try:
        revisions = {}
        for region in regions:
            upgrade(region.engine)
            revisions[region.name] = current_revision(region.engine)
        return revisions
    finally:
        regions.close()


class PortTaken(Exception):
    """Another program (or another Havre) listens on the port a server was asked to use."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is taken (by another program); pick another with --port N")
        self.port = port


def listen_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before the app starts: a taken port is said plainly (PortTaken)
    instead of uvicorn's raw ``[Errno 98]`` after "Application startup complete"."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(port) from None
        raise
    return sock


def check_port(host: str, port: int) -> None:
    """Raise PortTaken now if the port is taken: the demo checks before its minute of seeding."""
    listen_socket(host, port).close()


def uvicorn_config(settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """The app as `havre serve` hands it to uvicorn.

    uvicorn believes X-Forwarded-For from 127.0.0.1 by default; only the configured proxies may
    speak for a client (havre.web.client_address applies the same list inside the app). Its
    protocol gets a deadline for request headers and a cap of connections per address, which
    spares the same proxies (havre.web.connections)."""
    guard = ConnectionGuard(trusted_proxies=settings.trusted_proxies)
    return uvicorn.Config(create_app(settings), host=host, port=port, log_level="info",
                          http=guarded_protocol(guard), proxy_headers=bool(settings.trusted_proxies),
                          forwarded_allow_ips=list(settings.trusted_proxies))


def serve_http(settings: Settings, *, host: str, port: int) -> None:
    sock = listen_socket(host, port)
    record_base_url(settings)  # listening: the other commands' links now point here
    with sock:
        uvicorn.Server(uvicorn_config(settings, host=host, port=port)).run(sockets=[sock])


def create_account(settings: Settings, *, handle: str, password: str, region: str | None) -> User:
    regions = open_regions(settings)
    try:
        return signin.sign_up(regions, handle=handle, password=password, region=region, open_session=False).user
    finally:
        regions.close()


def upload_file(settings: Settings, *, handle: str, path: Path, caption: str, visibility: str) -> str:
    regions = open_regions(settings)
    try:
        region, owner = access_account(regions, handle)
        video = videos.upload(region, regions.directory, owner, path, limits=settings.media, caption=caption,
                              visibility=visibility, original_name=path.name)
        return video.id
    finally:
        regions.close()


def pending_jobs(regions: Iterable[Region], kinds: set[str] | None = None) -> int:
    """Jobs due now or running in these regions (of ``kinds``, default all).

    Jobs scheduled for later (a delayed clean-up, a retry's backoff) are not counted: callers
    use this to wait until the work that can be done now is done.
    """
    now = utcnow()
    total = 0
    for region in regions:
        with region.session() as s:
            total += s.scalar(select(func.count()).select_from(Job)
                              .where(or_(Job.status == RUNNING, (Job.status == QUEUED) & (Job.run_after <= now)),
                                     *([Job.kind.in_(kinds)] if kinds is not None else []))) or 0
    return total


def process_jobs(settings: Settings, *, console: Console | None = None, kinds: set[str] | None = None,
                 label: str = "processing videos", on_progress: Callable[[int, int], None] | None = None) -> int:
    """Run pending jobs (of ``kinds``, default all) now, with a progress bar, or telling
    ``on_progress(done, total)`` (for a caller that shows its own)."""
    regions = open_regions(settings)
    runner = JobRunner(regions=regions, settings=settings, kinds=kinds)
    try:
        if on_progress is not None:
            return _drain(runner, regions, kinds, on_progress)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(label, total=None)
            return _drain(runner, regions, kinds,
                          lambda done, total: bar.update(task, completed=done, total=max(total, 1)))
    finally:
        regions.close()


def _drain(runner: JobRunner, regions: Regions, kinds: set[str] | None,
           on_progress: Callable[[int, int], None]) -> int:
    done = 0
    on_progress(0, pending_jobs(regions, kinds))
    while ran := runner.drain(limit=1):
        done += ran
        # Jobs may enqueue follow-ups (remux -> ladder): grow the total instead of overflowing it.
        on_progress(done, done + pending_jobs(regions, kinds))
    return done


def _video_dict(s: Any, video: Video, owner: User) -> dict[str, Any]:
    return {
        **VideoFacts.model_validate(video).model_dump(mode="json"),
        "hashtags": sorted(h.tag for h in video.hashtags), "owner": owner.handle,
        "created_at": video.created_at.isoformat(), "url": f"/v/{video.id}",
        "poster_url": media_url(video.id, video.poster_key),
        "mp4_url": media_url(video.id, video.mp4_key), "hls_url": media_url(video.id, video.hls_key),
        "renditions": [{"name": r.name, "width": r.width, "height": r.height, "bitrate_kbps": r.bitrate_kbps,
                        "mp4_url": media_url(video.id, r.mp4_key),
                        "playlist_url": media_url(video.id, r.playlist_key)} for r in video.renditions],
    }


def operator_read(s: Session, subject: User, what: str) -> None:
    """An operator read someone's personal data: record who, what and when in the subject's region."""
    audit.record(s, actor=f"operator:{getpass.getuser()}", action="operator.read", purpose=what,
                 subject_user_id=subject.id)
    s.commit()


def move_account(settings: Settings, *, handle: str, target: str, console: Console | None = None) -> MoveReport:
    regions = open_regions(settings)
    try:
        with Progress(TextColumn("moving files"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=console, transient=True) as bar:
            task = bar.add_task("files", total=None)
            return move_user(regions, handle, target, on_files=lambda n: bar.update(task, total=n),
                             on_file=lambda key: bar.advance(task))
    finally:
        regions.close()


def import_tiktok(settings: Settings, *, handle: str, source: str, drafts: bool = False,
                  cookies_file: Path | None = None, workers: int = 3, console: Console | None = None) -> dict[str, Any]:
    """Import (or resume importing) a TikTok archive, links or yt-dlp folder into @handle's account."""
    from havre.net.guarded import OPERATOR  # the operator's own command: any address it is given

    regions = open_regions(settings)
    try:
        region, owner = access_account(regions, handle)
        with region.session() as s:  # the same source, not finished: resume it
            run = s.scalar(select(ImportRun).where(ImportRun.user_id == owner.id, ImportRun.source == source,
                                                   ImportRun.status != DONE).order_by(ImportRun.created_at.desc()))
            if run is None:
                plan = plan_source(source, cookies_file=cookies_file, guard=OPERATOR,
                                   max_items=settings.import_max_items)
                run = imports.start_import(s, owner, plan, drafts=drafts)
                s.commit()
            run_id = run.id
        with Progress(TextColumn("importing"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("import", total=None)
            finished = imports.run_import(region, regions.directory, settings, run_id, workers=workers,
                                          cookies_file=cookies_file, guard=OPERATOR,
                                          on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        with region.session() as s:
            return import_report.report(s, finished, base_url=settings.base_url.rstrip("/"))
    finally:
        regions.close()


def residency_report(settings: Settings) -> ResidencyReport:
    regions = open_regions(settings)
    try:
        return audit_residency(settings, regions)
    finally:
        regions.close()


def video_json(settings: Settings, video_id: str, *, purpose: str = "havre videos show") -> dict[str, Any]:
    """The one JSON shape of a video for the CLI (`videos show`, `upload`, `list`)."""
    regions = open_regions(settings)
    try:
        region = regions.home_of_video(video_id)
        if region is not None:
            with region.session() as s:
                video = s.get(Video, video_id)
                if video is not None:
                    owner = s.get(User, video.owner_id)
                    assert owner is not None  # owner_id is a foreign key
                    operator_read(s, owner, purpose)
                    return _video_dict(s, video, owner)
        raise NotFound(N_("There is no video %(id)r."), id=video_id)
    finally:
        regions.close()


def _user_dict(s: Session, user: User) -> dict[str, Any]:
    return {
        "id": user.id, "handle": user.handle, "display_name": user.display_name, "bio": user.bio,
        "home_region": user.home_region, "avatar_url": avatar_url(user), "created_at": user.created_at.isoformat(),
        "follower_count": user.follower_count, "following_count": user.following_count,
        "video_count": s.scalar(select(func.count()).select_from(Video).where(Video.owner_id == user.id)) or 0,
        "url": f"/@{user.handle}",
    }


def user_json(settings: Settings, handle: str, *, purpose: str = "havre users show") -> dict[str, Any]:
    """The one JSON shape of an account for the CLI (`users show`, `users create`)."""
    regions = open_regions(settings)
    try:
        region, user = access_account(regions, handle)
        with region.session() as s:
            info = _user_dict(s, user)
            operator_read(s, user, purpose)
            return info
    finally:
        regions.close()


def user_videos_json(settings: Settings, handle: str) -> list[dict[str, Any]]:
    regions = open_regions(settings)
    try:
        region, owner = access_account(regions, handle)
        with region.session() as s:
            rows = s.scalars(select(Video).where(Video.owner_id == owner.id).order_by(Video.posted_at.desc()))
            items = [_video_dict(s, v, owner) for v in rows]
            operator_read(s, owner, "havre videos list")
            return items
    finally:
        regions.close()


def list_jobs(settings: Settings, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    regions = open_regions(settings)
    try:
        items = []
        for region in regions:
            with region.session() as s:
                query = select(Job).order_by(Job.created_at.desc()).limit(limit)
                if status:
                    query = query.where(Job.status == status)
                items += [{"region": region.name, "id": j.id, "kind": j.kind, "status": j.status,
                           "attempts": j.attempts, "progress": j.progress, "last_error": j.last_error,
                           "created_at": j.created_at.isoformat(), "run_after": j.run_after.isoformat(),
                           "locked_until": j.locked_until.isoformat() if j.locked_until else None}
                          for j in s.scalars(query)]
        return items
    finally:
        regions.close()


def job_backlog(settings: Settings) -> dict[str, Any]:
    """What no runner can take now, and why: jobs queued for later (a retry's backoff, a grace
    period, a schedule), with the first and last time one comes due; jobs another live runner holds
    (its lease not run out: a server or worker at work)."""
    now = utcnow()
    regions = open_regions(settings)
    try:
        later, held = 0, 0
        first: datetime | None = None
        last: datetime | None = None
        for region in regions:
            with region.session() as s:
                n, low, high = s.execute(select(func.count(), func.min(Job.run_after), func.max(Job.run_after))
                                         .where(Job.status == QUEUED, Job.run_after > now)).one()
                held += s.scalar(select(func.count()).select_from(Job)
                                 .where(Job.status == RUNNING, Job.locked_until >= now)) or 0
            if n:
                later += n
                first = low if first is None else min(first, low)
                last = high if last is None else max(last, high)
        return {"later": later, "next_due": first, "last_due": last, "held": held}
    finally:
        regions.close()
