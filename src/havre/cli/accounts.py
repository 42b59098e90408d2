"""`havre users ...`: accounts from the operator's side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from havre.cli.apps import users_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail, read_password
from havre.cli.text import count
from havre.errors import HavreError


@users_app.command("create")
def users_create(handle: Annotated[str, typer.Option(help="The new account's handle.")],
                 password_file: Annotated[Path, typer.Option(help="File whose first line is the password.")],
                 region: Annotated[str | None, typer.Option(help="Home region (default: the instance's).")] = None,
                 as_json: Annotated[bool, typer.Option(
                     "--json", help="Print the account as `users show --json` does.")] = False,
                 data_dir: DataDir = None, regions: Regions = None) -> None:
    """Create an account; prints its id (or, with --json, the account). On an empty data dir, it
    creates the instance first, and says so."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import create_account, user_json

    password = read_password(password_file)
    settings = checked_settings(data_dir, regions, create=True, named=(region,))
    try:
        user = create_account(settings, handle=handle, password=password, region=region)
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    emit(user_json(settings, user.handle, purpose="havre users create") if as_json else None, as_json, user.id)


@users_app.command("show")
def users_show(handle: Annotated[str, typer.Argument(help="The account's handle.")],
               as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
               data_dir: DataDir = None, regions: Regions = None) -> None:
    """Show one account (home region, counts); the read is written in its region's audit log."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import user_json

    try:
        info = user_json(checked_settings(data_dir, regions), handle)
    except HavreError as exc:
        raise fail(str(exc)) from None
    emit(info, as_json, f"@{info['handle']}  {info['id']}  lives in {info['home_region']}  "
                         f"{count(info['video_count'], 'video')}, {count(info['follower_count'], 'follower')}")


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

    settings = checked_settings(data_dir, regions, named=(to,))
    try:
        report = move_account(settings, handle=handle, target=to, console=console)
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    emit(report.as_dict(), as_json,
          f"@{report.handle} now lives in {report.target} (was {report.source}): "
          f"{count(sum(report.rows.values()), 'row')}, {count(report.files, 'file')} "
          f"({report.bytes_copied // 1024} KiB copied)"
          f"{', resumed' if report.resumed else ''}; nothing left in {report.source}.")


def _deletion_summary(report: dict[str, Any]) -> str:
    rows = ", ".join(f"{name} {n}" for name, n in sorted(report["rows"].items()))
    elsewhere = "; ".join(f"{region}: " + ", ".join(f"{name} {n}" for name, n in sorted(found.items()))
                          for region, found in sorted(report["elsewhere"].items()) if found)
    counts = ", ".join(f"{n} {name}" for name, n in sorted(report["counts"].items()))
    models = ", ".join(f"{region} ({version or 'none kept: too little data'})"
                       for region, version in sorted(report["models"].items()))
    return (f"@{report['handle']} is deleted from {report['region']}{' (resumed)' if report['resumed'] else ''}: "
            f"{count(sum(report['rows'].values()), 'row')} ({rows or 'none'}), {count(report['files'], 'file')} "
            f"({report['bytes_deleted'] // 1024} KiB).\n"
            f"Other people's rows about them: {elsewhere or 'none'}.\n"
            f"Counts taken back: {counts or 'none'}. Recommender retrained: {models or 'no region had a model'}.\n"
            "PostgreSQL keeps deleted rows in its pages until VACUUM, and a versioned S3 bucket keeps old "
            "versions until its lifecycle rule expires them: see docs/deletion.md.")


@users_app.command("delete")
def users_delete(handle: Annotated[str, typer.Argument(help="The account to delete.")],
                 now: Annotated[bool, typer.Option(
                     "--now", help="Delete at once, without the grace period, and print what was removed.")] = False,
                 as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
                 data_dir: DataDir = None, regions: Regions = None) -> None:
    """Delete an account and everything personal it left in every region.

    Without --now, starts the grace period (HAVRE_DELETION_GRACE_DAYS, 14 days by default): the
    person is logged out, logging in before it ends cancels the deletion, and the scheduled job
    deletes the account after it. With --now, deletes it at once. Safe to interrupt: running it
    again finishes the deletion.
    """
    # deferred, like every command's imports: see the module docstring
    from datetime import timedelta

    # (deferred, as above)
    from rich.progress import BarColumn, Progress, TextColumn

    # (deferred, as above)
    from havre.accounts.service import normalize_handle
    from havre.portability import deletion
    from havre.regions import open_regions

    settings = checked_settings(data_dir, regions)
    if len(settings.regions) < len(settings.declared):
        raise fail("A deletion reaches every region of the instance; run it without --regions.")
    handle = normalize_handle(handle)
    opened = open_regions(settings)
    try:
        user_id = opened.directory.user_id_of_handle(handle)
        if user_id is None:
            raise fail(f"There is no @{handle} on this instance (or it was deleted already).")
        if not now:
            when = deletion.schedule_deletion(opened, user_id, grace=timedelta(days=settings.deletion_grace_days))
            emit({"handle": handle, "delete_after": when.isoformat()}, as_json,
                 f"@{handle} is logged out and will be deleted after {when:%Y-%m-%d %H:%M} UTC; logging in "
                 f"before then cancels it. `havre users delete {handle} --now` deletes it at once.")
            return
        with Progress(TextColumn("deleting: {task.fields[step]}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), console=console, transient=True) as bar:
            task = bar.add_task("delete", total=len(deletion.STEPS), step="")
            report = deletion.delete_account(
                opened, user_id, on_step=lambda step: bar.update(task, completed=deletion.STEPS.index(step), step=step))
    except deletion.BeingDeleted as exc:
        raise fail(f"{exc} If the process deleting it stopped, run this command again in a minute to finish "
                   "the deletion.") from None
    except deletion.DeletionBusy:
        raise fail(f"Some videos of @{handle} are being processed; run this command again in a minute.") from None
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    finally:
        opened.close()
    emit(report.as_dict(), as_json, _deletion_summary(report.as_dict()))


@users_app.command("cancel-deletion")
def users_cancel_deletion(handle: Annotated[str, typer.Argument(help="The account whose deletion to cancel.")],
                          as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
                          data_dir: DataDir = None, regions: Regions = None) -> None:
    """Cancel an account's deletion during its grace period, as the person's signing in would.

    Once the grace period is over the deletion has started and cannot be cancelled.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.accounts.service import normalize_handle
    from havre.portability import deletion
    from havre.regions import open_regions

    handle = normalize_handle(handle)
    opened = open_regions(checked_settings(data_dir, regions))
    try:
        user_id = opened.directory.user_id_of_handle(handle)
        if user_id is None:
            raise fail(f"There is no @{handle} on this instance (or it was deleted already).")
        cancelled = deletion.cancel_deletion(opened, user_id)
    except deletion.BeingDeleted:
        raise fail(f"@{handle} is being deleted already (its grace period is over); it cannot be cancelled.") from None
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    finally:
        opened.close()
    emit({"handle": handle, "cancelled": cancelled}, as_json,
         f"@{handle}'s deletion is cancelled." if cancelled else f"@{handle} was not to be deleted; nothing changed.")


@users_app.command("audit-deletion")
def users_audit_deletion(
        handle: Annotated[str, typer.Argument(help="The handle the deleted account had.")],
        canary: Annotated[list[str] | None, typer.Option(
            "--canary", help="A text the person wrote (a comment, a caption, their name), looked for "
                             "anywhere; repeat for several.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        data_dir: DataDir = None, regions: Regions = None) -> None:
    """Look in every store of every region for what a deleted account left: exit 1 naming each place.

    Havre keeps nothing of a deleted person to search with, so say what to look for: the handle
    (found as a whole value: a column, a JSON field, a list entry) and, with --canary, texts they
    wrote (found anywhere). Reads every table of every database (job payloads and import reports
    included), every "Download my data" archive and import source member by member, and text
    files; not videos, images or models. See docs/deletion.md.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.accounts.service import normalize_handle
    from havre.portability.deletion_audit import audit_deletion
    from havre.regions import open_regions

    settings = checked_settings(data_dir, regions)
    if len(settings.regions) < len(settings.declared):
        raise fail("The audit reads every region of the instance; run it without --regions.", code=2)
    handle = normalize_handle(handle)
    opened = open_regions(settings)
    try:
        if opened.directory.user_id_of_handle(handle) is not None:
            raise fail(f"@{handle} is an account here now (not deleted, or its handle was taken again); "
                       "the audit looks for what a deleted account left.", code=2)
        audit = audit_deletion(opened, handle, canary or ())
    finally:
        opened.close()
    checked = f"{count(audit.rows, 'row')}, {count(audit.blobs, 'file')} ({count(audit.archives, 'archive')})"
    emit(audit.as_dict(), as_json,
         f"nothing of @{handle} found in {checked}." if audit.ok else
         f"@{handle} is still found in {count(len(audit.found), 'place')} ({checked} read):\n"
         + "\n".join(f"  {where}" for where in audit.found))
    if not audit.ok:
        raise typer.Exit(1)
