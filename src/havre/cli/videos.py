"""`havre videos ...`, `jobs ...` and `import ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from havre.cli.apps import import_app, jobs_app, videos_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail
from havre.errors import HavreError


@videos_app.command("upload")
def videos_upload(file: Annotated[Path, typer.Argument(help="The video file.", exists=True, dir_okay=False)],
                  user: Annotated[str, typer.Option(help="Handle of the owner.")],
                  caption: Annotated[str, typer.Option(help="Caption; #hashtags become links.")] = "",
                  visibility: Annotated[str, typer.Option(help="public, followers or private.")] = "public",
                  wait: Annotated[bool, typer.Option(
                      "--wait/--no-wait", help="Process it now (default) or leave it to a worker.")] = True,
                  as_json: Annotated[bool, typer.Option(
                      "--json", help="Print the video as `videos show --json` does.")] = False,
                  data_dir: DataDir = None, regions: Regions = None) -> None:
    """Upload a video for a user; prints its id (or, with --json, the video as `videos show --json` does)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import process_jobs, upload_file, video_json

    settings = checked_settings(data_dir, regions)
    try:
        video_id = upload_file(settings, handle=user, path=file, caption=caption, visibility=visibility)
    except HavreError as exc:
        raise fail(str(exc)) from None
    if wait:
        process_jobs(settings, console=console)
    info = video_json(settings, video_id, purpose="havre videos upload")
    emit(info, as_json, video_id)
    if info["status"] == "failed":
        raise fail(info.get("error") or "processing failed")


@videos_app.command("show")
def videos_show(video_id: str, as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, regions: Regions = None) -> None:
    """Show one video (status, renditions, URLs)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import video_json

    try:
        info = video_json(checked_settings(data_dir, regions), video_id)
    except HavreError as exc:
        raise fail(str(exc)) from None
    emit(info, as_json, f"{info['id']}  {info['status']}  @{info['owner']}  {info['caption']}")


@videos_app.command("list")
def videos_list(user: Annotated[str, typer.Option(help="Handle of the owner.")],
                as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, regions: Regions = None) -> None:
    """List a user's videos."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import user_videos_json

    try:
        items = user_videos_json(checked_settings(data_dir, regions), user)
    except HavreError as exc:
        raise fail(str(exc)) from None
    emit(items, as_json, "\n".join(f"{i['id']}  {i['status']}  {i['caption']}" for i in items))


@jobs_app.command("list")
def jobs_list(status: Annotated[str | None, typer.Option(help="Only jobs in this status.")] = None,
              as_json: Annotated[bool, typer.Option("--json")] = False,
              data_dir: DataDir = None, regions: Regions = None) -> None:
    """List recent jobs of every region with their status, attempts and last error."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import list_jobs

    items = list_jobs(checked_settings(data_dir, regions), status=status)
    emit(items, as_json, "\n".join(
        f"{j['region']:8} {j['id']}  {j['kind']:18} {j['status']:8} try {j['attempts']}  "
        f"{int(j['progress'] * 100):3}%  {(j['last_error'] or '').splitlines()[0] if j['last_error'] else ''}"
        for j in items) or "no jobs")


@jobs_app.command("run")
def jobs_run(data_dir: DataDir = None, regions: Regions = None) -> None:
    """Run every pending job now and exit (a one-shot worker)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import process_jobs

    ran = process_jobs(checked_settings(data_dir, regions), console=console, label="running jobs")
    console.print(f"ran {ran} job(s)")


@import_app.command("tiktok")
def import_tiktok(source: Annotated[str, typer.Argument(help="TikTok's data export (.zip or folder), TikTok links "
                                                              "(videos or a profile; quoted) or a file of links, "
                                                              "or a folder of yt-dlp downloads.")],
                  user: Annotated[str, typer.Option(help="Handle of the Havre account to import into.")],
                  drafts: Annotated[bool, typer.Option("--drafts", help="Import as private drafts to review.")] = False,
                  as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
                  cookies: Annotated[Path | None, typer.Option(
                      help="Cookies file for a private account (yt-dlp).")] = None,
                  workers: Annotated[int, typer.Option(min=1, max=16, help="Downloads at once.")] = 3,
                  data_dir: DataDir = None, regions: Regions = None) -> None:
    """Import a creator's TikTok videos with captions, dates, sounds and counts, in one step.

    Interrupted (Ctrl-C, a crash)? Run the same command again: it resumes, and nothing is imported twice.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import import_tiktok as run
    from havre.imports.tiktok_export import ExportError

    try:
        report = run(checked_settings(data_dir, regions), handle=user, source=source, drafts=drafts,
                     cookies_file=cookies, workers=workers, console=console)
    except (HavreError, ExportError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("stopped. Run the same command again to resume where it stopped.", code=130) from None
    lines = [f"imported {len(report['imported'])}, skipped {len(report['skipped'])}, failed {len(report['failed'])}"]
    lines += [f"  skipped {i['label']}: {i['reason']}" for i in report["skipped"]]
    lines += [f"  failed  {i['label']}: {i['reason']}" for i in report["failed"]]
    if report["following_here"]:
        lines.append("people you follow on TikTok are here: " + ", ".join("@" + h for h in report["following_here"]))
    emit(report, as_json, "\n".join(lines))
    if report["failed"] and not report["imported"] and not report["skipped"]:
        raise typer.Exit(1)
