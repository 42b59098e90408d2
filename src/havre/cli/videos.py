"""`havre videos ...`, `jobs ...` and `import ...`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from havre.cli.apps import import_app, jobs_app, videos_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail
from havre.cli.text import count, due, table, until, utc
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
def videos_show(video_id: Annotated[str, typer.Argument(help="The video's id (as `videos list` prints it).")],
                as_json: Annotated[bool, typer.Option("--json", help="Print the video as JSON.")] = False,
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
                as_json: Annotated[bool, typer.Option("--json", help="Print the videos as JSON.")] = False,
                data_dir: DataDir = None, regions: Regions = None) -> None:
    """List a user's videos, newest first."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import user_videos_json

    try:
        items = user_videos_json(checked_settings(data_dir, regions), user)
    except HavreError as exc:
        raise fail(str(exc)) from None
    emit(items, as_json, table([[i["id"], i["status"], i["caption"]] for i in items]) or f"@{user} has no videos")


@jobs_app.command("list")
def jobs_list(status: Annotated[str | None, typer.Option(
                  help="Only jobs in this status: queued, running, done or failed.")] = None,
              as_json: Annotated[bool, typer.Option("--json", help="Print the jobs as JSON.")] = False,
              data_dir: DataDir = None, regions: Regions = None) -> None:
    """List recent jobs of every region with their status, attempts, when a waiting one is due, and last error."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import list_jobs

    items = list_jobs(checked_settings(data_dir, regions), status=status)
    emit(items, as_json, _jobs_table(items) or "no jobs")


def _jobs_table(items: list[dict[str, Any]]) -> str:
    """One aligned line per job; a queued job not yet due says when it is."""
    now = datetime.now(UTC)
    rows = [["REGION", "ID", "KIND", "STATUS", "TRIES", "PROGRESS", "DUE", "LAST ERROR"]] if items else []
    for j in items:
        run_after = datetime.fromisoformat(j["run_after"])
        waiting = j["status"] == "queued" and run_after > now
        rows.append([j["region"], j["id"], j["kind"], j["status"], str(j["attempts"]),
                     f"{int(j['progress'] * 100)}%", due(run_after, now) if waiting else "",
                     (j["last_error"] or "").splitlines()[0] if j["last_error"] else ""])
    return table(rows)


@jobs_app.command("run")
def jobs_run(data_dir: DataDir = None, regions: Regions = None) -> None:
    """Run every job that is due now and exit (a one-shot worker); says what is left waiting, and until when."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import job_backlog, process_jobs

    settings = checked_settings(data_dir, regions)
    ran = process_jobs(settings, console=console, label="running jobs")
    console.print(_ran_report(ran, job_backlog(settings)))


def _ran_report(ran: int, backlog: dict[str, Any]) -> str:
    """``ran 0 jobs; 20 are queued but not due until 17:40 UTC (in 3 min)``, and what else waits."""
    now = datetime.now(UTC)
    said = [f"ran {count(ran, 'job')}"]
    later = backlog["later"]
    if later:
        first, last = backlog["next_due"], backlog["last_due"]
        waiting = "1 is queued but not due" if later == 1 else f"{later} are queued but not due"
        if later == 1 or last - first < timedelta(minutes=1):
            said.append(f"{waiting} until {utc(first, now)} ({until(first, now)})")
        else:
            said.append(f"{waiting} yet: the next at {utc(first, now)} ({until(first, now)}), "
                        f"the last at {utc(last, now)}")
    if backlog["held"]:
        held = backlog["held"]
        said.append(f"{held} {'is' if held == 1 else 'are'} running in another process (a server or worker)")
    if not later and not backlog["held"]:
        said.append("none is waiting")
    return "; ".join(said)


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
