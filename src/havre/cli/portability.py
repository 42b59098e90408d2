"""`havre export` and `havre import archive`: a person's whole archive out, and back in elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from havre.cli.apps import app, import_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail
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
    from havre.portability.export import export_to_file
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
         f"wrote {out} ({out.stat().st_size // 1024} KiB): {report.counts.get('videos', 0)} videos, "
         f"{report.files} files, {sum(report.counts.values())} records")


@import_app.command("archive")
def import_archive(archive: Annotated[Path, typer.Argument(help="A Havre archive (.zip) from `havre export` or "
                                                                "Settings → Download my data.",
                                                           exists=True, dir_okay=False)],
                   user: Annotated[str, typer.Option(help="Handle of the Havre account to import into.")],
                   drafts: Annotated[bool, typer.Option("--drafts", help="Import as private drafts.")] = False,
                   as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
                   data_dir: DataDir = None, regions: Regions = None) -> None:
    """Bring a Havre archive into an account: its videos (re-transcoded from the originals), with dates,
    captions, subtitles and TikTok data, and its follows. The archive is checked whole first.

    Interrupted? Run the same command again: it resumes, and nothing is imported twice.
    """
    # deferred, like every command's imports: see the module docstring
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: I001 (one block)
    from havre.imports import report as import_report
    from havre.portability.archive_import import import_archive as run
    from havre.regions import open_regions

    settings = checked_settings(data_dir, regions)
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
    emit(result, as_json, f"imported {len(result['imported'])} videos, skipped {len(result['skipped'])} already here, "
                          f"{len(result['failed'])} failed; followed {len(result['follows_made'])} accounts; "
                          f"{len(result['archived_comments'])} comments by others kept read-only")
