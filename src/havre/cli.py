"""The `havre` command: `havre <noun> <verb>`, each with --help.

Each command imports what it runs inside its own function: the app and its stores take over a
second to load, and `havre --help` or a mistyped command should answer at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from havre.config import Settings, UndeclaredRegion, load_settings
from havre.errors import HavreError

app = typer.Typer(help="Havre: a short-video platform creators can own.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
videos_app = typer.Typer(help="Upload and inspect videos.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(videos_app, name="videos")
jobs_app = typer.Typer(help="Inspect and run background jobs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
residency_app = typer.Typer(help="Check where personal data lives.", no_args_is_help=True)
app.add_typer(residency_app, name="residency")
import_app = typer.Typer(help="Bring videos in from elsewhere.", no_args_is_help=True)
app.add_typer(import_app, name="import")
regions_app = typer.Typer(help="Declare and list the regions (jurisdictions) this instance offers.",
                          no_args_is_help=True)
app.add_typer(regions_app, name="regions")
console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="HAVRE_DATA_DIR",
                                              help="Where the database and media live (default ./havre-data).")]
# HAVRE_REGIONS is not this option's default: it declares the regions (see config.py), and
# --regions selects among them.
Regions = Annotated[str | None, typer.Option(
    "--regions", help="Only these of the instance's regions (comma-separated); on a fresh data dir, "
                      "the regions it will have (default: local). `havre regions list` shows them.")]


def _load(data_dir: Path | None, regions: str | None = None, *, named: tuple[str | None, ...] = (),
          **kwargs: Any) -> Settings:
    """Settings, with every region the command names (--regions, and ``named``: --region, --to)
    checked: one the instance does not declare is refused before anything is written."""
    # deferred, like every command's imports: see the module docstring
    from havre.regions import declared

    try:
        settings = load_settings(data_dir=data_dir, regions=regions, **kwargs)
        for name in named:
            declared.check_region(settings, name)
        return settings
    except (UndeclaredRegion, ValueError) as exc:
        raise fail(str(exc)) from None


def _settings(data_dir: Path | None, regions: str | None = None, *, create: bool = False, **kwargs: Any) -> Settings:
    """Checked settings (``_load``) with every region's database at this version's schema (a
    no-op when it already is), so a command never meets a table the installed Havre does not expect.

    Only commands that may create an instance (``create``) do so on a data dir that holds none,
    and record the regions it declares.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import upgrade_all
    from havre.regions import declared

    settings = _load(data_dir, regions, **kwargs)
    if create:
        declared.record(settings)
    elif not declared.has_instance(settings):
        raise fail(declared.no_instance_message(settings))
    upgrade_all(settings)
    return settings


def _served_url(host: str, port: int) -> str:
    """The address links point to when HAVRE_BASE_URL is unset: where this server listens."""
    # Compared, not bound (bandit's B104): a link must not point at the any-address.
    if host in ("", "0.0.0.0"):  # nosec B104
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


@app.command()
def serve(data_dir: DataDir = None, regions: Regions = None,
          host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000) -> None:
    """Run the web server (with an in-process job runner)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import serve_http

    settings = _settings(data_dir, regions, create=True, served_url=_served_url(host, port))
    serve_http(settings, host=host, port=port)


@app.command()
def worker(data_dir: DataDir = None, regions: Regions = None,
           queues: Annotated[str, typer.Option(help="Celery queues to consume (with a broker).")] = "transcode,default",
           ) -> None:
    """Run background jobs (transcoding...) in this process until stopped.

    With HAVRE_BROKER_URL set (redis://...), this is a Celery worker; otherwise it polls the
    job table itself.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.regions import open_regions
    from havre.workers.engines import regions_by_broker
    from havre.workers.runner import JobRunner

    settings = _settings(data_dir, regions, create=True)
    opened = open_regions(settings)
    console.print(f"worker running jobs of regions {', '.join(opened.names)}; Ctrl-C stops")
    brokered, local = regions_by_broker(settings, opened)
    if len(brokered) > 1:
        raise fail("This worker can serve one broker; start one worker per broker with --regions.")
    runner = JobRunner(regions=opened, only=local, settings=settings) if local else None
    try:
        if brokered:
            # deferred, like every command's imports: see the module docstring
            from havre.workers.celery_backend import run_worker

            if runner is not None:  # regions without a broker are run here too
                runner.start_thread()
            [(url, served)] = brokered.items()
            run_worker(settings, opened, broker_url=url, served=served, queues=queues.split(","))
        elif runner is not None:
            runner.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if runner is not None:
            runner.stop()


DemoRegions = Annotated[str | None, typer.Option(
    "--regions", help="Only these of the instance's regions; a fresh data dir gets eu and us (two, so "
                      "residency can be seen).")]


@app.command()
def demo(data_dir: DataDir = None, regions: DemoRegions = None,
         count: Annotated[int, typer.Option(help="How many demo videos to generate.")] = 30,
         serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")] = True,
         host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000) -> None:
    """Create demo creators and videos (generated locally), then serve the feed."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import serve_http
    from havre.demo import DEMO_PASSWORD, seed_demo

    settings = _settings(data_dir, regions, create=True, new_regions="eu,us", served_url=_served_url(host, port))
    seed_demo(settings, count=count, console=console)
    if serve:
        console.print(f"[bold green]Havre is ready:[/] open [bold]{settings.base_url.rstrip('/')}/[/] and log in "
                      f"as [bold]demo[/] / [bold]{DEMO_PASSWORD}[/] (or sign up and choose a region: "
                      f"{', '.join(r.name for r in settings.regions)}). Ctrl-C stops it.")
        serve_http(settings, host=host, port=port)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, regions: Regions = None) -> None:
    """Create or migrate every region's database to the latest schema."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import upgrade_all

    for name, revision in upgrade_all(_settings(data_dir, regions, create=True)).items():
        console.print(f"region {name}: at revision {revision}")


@users_app.command("create")
def users_create(handle: Annotated[str, typer.Option(help="The new account's handle.")],
                 password_file: Annotated[Path, typer.Option(help="File whose first line is the password.")],
                 region: Annotated[str | None, typer.Option(help="Home region (default: the instance's).")] = None,
                 as_json: Annotated[bool, typer.Option(
                     "--json", help="Print the account as `users show --json` does.")] = False,
                 data_dir: DataDir = None, regions: Regions = None) -> None:
    """Create an account; prints its id (or, with --json, the account)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import create_account, user_json

    try:
        password = password_file.read_text().splitlines()[0] if password_file.exists() else None
    except IndexError:
        password = None
    if not password:
        raise fail(f"{password_file} is missing or empty; put the password on its first line.")
    settings = _settings(data_dir, regions, create=True, named=(region,))
    try:
        user = create_account(settings, handle=handle, password=password, region=region)
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    _emit(user_json(settings, user.handle, purpose="havre users create") if as_json else None, as_json, user.id)


@users_app.command("show")
def users_show(handle: Annotated[str, typer.Argument(help="The account's handle.")],
               as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
               data_dir: DataDir = None, regions: Regions = None) -> None:
    """Show one account (home region, counts); the read is written in its region's audit log."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import user_json

    try:
        info = user_json(_settings(data_dir, regions), handle)
    except HavreError as exc:
        raise fail(str(exc)) from None
    _emit(info, as_json, f"@{info['handle']}  {info['id']}  lives in {info['home_region']}  "
                         f"{info['video_count']} videos, {info['follower_count']} followers")


@users_app.command("move")
def users_move(handle: Annotated[str, typer.Argument(help="The account to move.")],
               to: Annotated[str, typer.Option("--to", help="The region that becomes its home.")],
               as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
               data_dir: DataDir = None, regions: Regions = None) -> None:
    """Move an account and everything it owns to another region: copy, verify, switch, delete.

    Safe to interrupt: running it again resumes where it stopped. The account is logged out
    and cannot log in until the move is done.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import move_account

    settings = _settings(data_dir, regions, named=(to,))
    try:
        report = move_account(settings, handle=handle, target=to, console=console)
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    _emit(report.as_dict(), as_json,
          f"@{report.handle} now lives in {report.target} (was {report.source}): "
          f"{sum(report.rows.values())} rows, {report.files} files ({report.bytes_copied // 1024} KiB copied)"
          f"{', resumed' if report.resumed else ''}; nothing left in {report.source}.")


def _emit(obj: Any, as_json: bool, plain: str) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str) if as_json else plain)


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

    settings = _settings(data_dir, regions)
    try:
        video_id = upload_file(settings, handle=user, path=file, caption=caption, visibility=visibility)
    except HavreError as exc:
        raise fail(str(exc)) from None
    if wait:
        process_jobs(settings, console=console)
    info = video_json(settings, video_id, purpose="havre videos upload")
    _emit(info, as_json, video_id)
    if info["status"] == "failed":
        raise fail(info.get("error") or "processing failed")


@videos_app.command("show")
def videos_show(video_id: str, as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, regions: Regions = None) -> None:
    """Show one video (status, renditions, URLs)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import video_json

    try:
        info = video_json(_settings(data_dir, regions), video_id)
    except HavreError as exc:
        raise fail(str(exc)) from None
    _emit(info, as_json, f"{info['id']}  {info['status']}  @{info['owner']}  {info['caption']}")


@videos_app.command("list")
def videos_list(user: Annotated[str, typer.Option(help="Handle of the owner.")],
                as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, regions: Regions = None) -> None:
    """List a user's videos."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import user_videos_json

    try:
        items = user_videos_json(_settings(data_dir, regions), user)
    except HavreError as exc:
        raise fail(str(exc)) from None
    _emit(items, as_json, "\n".join(f"{i['id']}  {i['status']}  {i['caption']}" for i in items))


@jobs_app.command("list")
def jobs_list(status: Annotated[str | None, typer.Option(help="Only jobs in this status.")] = None,
              as_json: Annotated[bool, typer.Option("--json")] = False,
              data_dir: DataDir = None, regions: Regions = None) -> None:
    """List recent jobs of every region with their status, attempts and last error."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import list_jobs

    items = list_jobs(_settings(data_dir, regions), status=status)
    _emit(items, as_json, "\n".join(
        f"{j['region']:8} {j['id']}  {j['kind']:18} {j['status']:8} try {j['attempts']}  "
        f"{int(j['progress'] * 100):3}%  {(j['last_error'] or '').splitlines()[0] if j['last_error'] else ''}"
        for j in items) or "no jobs")


@jobs_app.command("run")
def jobs_run(data_dir: DataDir = None, regions: Regions = None) -> None:
    """Run every pending job now and exit (a one-shot worker)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import process_jobs

    ran = process_jobs(_settings(data_dir, regions), console=console, label="running jobs")
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
        report = run(_settings(data_dir, regions), handle=user, source=source, drafts=drafts,
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
    _emit(report, as_json, "\n".join(lines))
    if report["failed"] and not report["imported"] and not report["skipped"]:
        raise typer.Exit(1)


@residency_app.command("audit")
def residency_audit(as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
                    data_dir: DataDir = None, regions: Regions = None) -> None:
    """Verify every region's audit chain and scan every store for data whose owner lives elsewhere.

    Exits 1 when any chain is broken or any violation is found.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import residency_report

    report = residency_report(_settings(data_dir, regions))
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for r in report.regions:
            state = "ok" if not (r.violations or r.chain_problems) else "VIOLATIONS"
            print(f"region {r.region}: {state} - {r.rows_checked} rows, {r.blobs_checked} files, "
                  f"{r.jobs_checked} jobs checked; audit chain of {r.audit_entries} entries "
                  f"{'intact' if not r.chain_problems else 'BROKEN'}")
            for line in r.chain_problems + r.violations:
                print(f"  - {line}")
        for line in report.instance_violations:
            print(f"instance: {line}")
        print("residency: ok" if report.ok else "residency: VIOLATIONS FOUND (see above)")
    if not report.ok:
        raise typer.Exit(1)


@regions_app.command("list")
def regions_list(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
                 data_dir: DataDir = None) -> None:
    """List the regions this instance declares, where each keeps its data, and where they are declared."""
    # deferred, like every command's imports: see the module docstring
    from havre.regions import declared

    settings = _load(data_dir)
    if not declared.has_instance(settings):
        _emit([], as_json, f"No region is declared in {settings.data_dir} yet: a first `havre serve` declares "
                           f"local, `havre demo` eu and us, `havre regions add NAME` one now.")
        return
    rows = declared.describe(settings)
    _emit(rows, as_json, "\n".join(f"{r['name']:8} {'(default) ' if r['default'] else ''}database {r['database']}, "
                                   f"files {r['files']}" for r in rows)
          + f"\ndeclared in {rows[0]['declared_in']}")


@regions_app.command("add")
def regions_add(name: Annotated[str, typer.Argument(help="The region's name: lowercase letters, digits or _.")],
                data_dir: DataDir = None) -> None:
    """Declare a region of an embedded instance: its own database and media folder, created on next start.

    Declare every region before the first start where you can: a single region keeps its data
    directly in the data dir, and one that holds accounts or videos cannot get a second region.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.regions import declared

    settings = _load(data_dir)
    try:
        added = declared.add_region(settings, name)
    except (declared.RegionsError, ValueError) as exc:
        raise fail(str(exc)) from None
    if added.already:
        console.print(f"region {name} is already declared (regions: {', '.join(added.names)})")
        return
    if added.moved_to is not None:
        console.print(f"the empty region {added.names[0]} moved to {added.moved_to}")
    console.print(f"declared region {name}; this instance's regions: {', '.join(added.names)}. "
                  f"Restart `havre serve` to offer it.")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
