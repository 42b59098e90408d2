"""`havre users ...`: accounts from the operator's side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from havre.cli.apps import users_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail
from havre.errors import HavreError


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

    settings = checked_settings(data_dir, regions, named=(to,))
    try:
        report = move_account(settings, handle=handle, target=to, console=console)
    except (HavreError, LookupError) as exc:
        raise fail(str(exc)) from None
    emit(report.as_dict(), as_json,
          f"@{report.handle} now lives in {report.target} (was {report.source}): "
          f"{sum(report.rows.values())} rows, {report.files} files ({report.bytes_copied // 1024} KiB copied)"
          f"{', resumed' if report.resumed else ''}; nothing left in {report.source}.")
