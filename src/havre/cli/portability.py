"""`havre export` and `havre import archive`: a person's whole archive out, and back in elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from havre.cli.apps import app, import_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail, load_checked, read_password
from havre.cli.text import count
from havre.config import Settings
from havre.errors import HavreError


@app.command("export")
def export(user: Annotated[str, typer.Option(help="Handle of the account to export.")],
           out: Annotated[Path, typer.Option(help="The .zip file to write (replaced if it exists).", dir_okay=False)],
           as_json: Annotated[bool, typer.Option("--json", help="Print what was written as JSON.")] = False,
           data_dir: DataDir = None, regions: Regions = None) -> None:
    """Write everything an account has here into one zip: profile, videos (originals), comments, likes,
    follows, history, sessions, imports and the audit of who read their data (docs/export-format.md)."""
    # deferred, like every command's imports: see the module docstring
    from rich.progress import BarColumn, Progress, TextColumn  # noqa: I001 (one block, under its comment)
    from havre.accounts.access import access_account
    from havre.portability.archive_writer import export_to_file
    from havre.regions import open_regions

    settings = checked_settings(data_dir, regions)
    opened = open_regions(settings)
    try:
        _, owner = access_account(opened, user)
        with Progress(TextColumn("exporting"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=console, transient=True) as bar:
            task = bar.add_task("export", total=None)
            report = export_to_file(opened, owner.id, out, instance=settings.base_url,
                                    on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    except (HavreError, OSError) as exc:
        raise fail(str(exc)) from None
    finally:
        opened.close()
    emit({**report.as_dict(), "out": str(out), "size": out.stat().st_size}, as_json,
         f"wrote {out} ({out.stat().st_size // 1024} KiB): {count(report.counts.get('videos', 0), 'video')}, "
         f"{count(report.files, 'file')}, {count(sum(report.counts.values()), 'record')}")


PasswordFile = Annotated[Path | None, typer.Option(
    help="Create the account (and, on an empty data dir, the instance) with the password on this file's first "
         "line when it does not exist here yet: an archive holds no password.")]


@import_app.command("archive")
def import_archive(archive: Annotated[Path, typer.Argument(help="A Havre archive (.zip) from `havre export` or "
                                                                "Settings → Download my data.",
                                                           exists=True, dir_okay=False)],
                   user: Annotated[str, typer.Option(help="Handle of the Havre account to import into.")],
                   password_file: PasswordFile = None,
                   drafts: Annotated[bool, typer.Option("--drafts", help="Import as private drafts.")] = False,
                   as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
                   data_dir: DataDir = None, regions: Regions = None) -> None:
    """Bring a Havre archive into an account: its videos (re-transcoded from the originals), with dates,
    captions, subtitles and TikTok data, its follows, likes and interests. The archive is checked whole first.

    The account must exist (`havre users create`), unless --password-file is given.
    Interrupted? Run the same command again: it resumes, and nothing is imported twice.
    """
    # deferred, like every command's imports: see the module docstring
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: I001 (one block)
    from havre.imports import report as import_report
    from havre.portability.archive_import import import_archive as run
    from havre.regions import open_regions

    settings = _settings_with_account(data_dir, regions, user, password_file)
    opened = open_regions(settings)
    try:
        with Progress(TextColumn("importing"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("import", total=None)
            finished = run(opened, settings, handle=user, path=archive, drafts=drafts,
                           on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        region = opened.home_of_user(finished.user_id)
        assert region is not None
        with region.session() as s:
            result = import_report.report(s, finished, base_url=settings.base_url.rstrip("/"))
    except HavreError as exc:
        raise fail(str(exc)) from None
    finally:
        opened.close()
    emit(result, as_json, _plain_report(result))


def _settings_with_account(data_dir: Path | None, regions: str | None, handle: str,
                           password_file: Path | None) -> Settings:
    """Settings of an instance where @handle exists: created (instance and account, each said) with
    --password-file; without it, refused naming the command that creates the account."""
    # deferred, like every command's imports: see the module docstring
    from havre.accounts.service import normalize_handle
    from havre.commands import create_account
    from havre.regions import declared, open_regions

    password = read_password(password_file) if password_file is not None else None
    create = (f"create it first: havre users create --handle {normalize_handle(handle)} --password-file FILE"
              f"{' --data-dir ' + str(data_dir) if data_dir else ''} (or give this command --password-file FILE)")
    if password is None and not declared.has_instance(planned := load_checked(data_dir, regions)):
        raise fail(f"{declared.no_instance_message(planned)} The account to import into does not exist "
                   f"either; {create}.")
    settings = checked_settings(data_dir, regions, create=password is not None)
    opened = open_regions(settings)
    try:
        if opened.home_of_handle(normalize_handle(handle)) is not None:
            return settings
    finally:
        opened.close()
    if password is None:
        raise fail(f"There is no @{normalize_handle(handle)} on this instance; {create}.")
    try:
        made = create_account(settings, handle=handle, password=password, region=None)
    except HavreError as exc:
        raise fail(str(exc)) from None
    console.print(f"created the account @{made.handle} (home region {made.home_region})")
    return settings


def _plain_report(result: dict[str, Any]) -> str:
    """The import's report in lines: videos, then what of the person's activity came back and why not."""
    lines = [f"videos: {len(result['imported'])} imported, {len(result['skipped'])} already here, "
             f"{len(result['failed'])} failed; comments by others kept read-only: {len(result['archived_comments'])}"]
    lines += [f"  failed  {item['label']}: {item['reason']}" for item in result["failed"]]
    if result["restored"]:
        lines.append("came back: " + ", ".join(entry["text"] for entry in result["restored"]))
    lines += [f"  not restored: {entry['reason']}" for entry in result["not_restored"]]
    return "\n".join(lines)
