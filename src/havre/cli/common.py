"""What every `havre` command shares: the console, the common options, checked settings, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from havre.config import Settings, UndeclaredRegion, load_settings

console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="HAVRE_DATA_DIR",
                                              help="Where the database and media live (default ./havre-data).")]
# HAVRE_REGIONS is not this option's default: it declares the regions (see config.py), and
# --regions selects among them.
Regions = Annotated[str | None, typer.Option(
    "--regions", help="Only these of the instance's regions (comma-separated); on a fresh data dir, "
                      "the regions it will have (default: local). `havre regions list` shows them.")]


def load_checked(data_dir: Path | None, regions: str | None = None, *, named: tuple[str | None, ...] = (),
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


def checked_settings(data_dir: Path | None, regions: str | None = None, *, create: bool = False,
                     **kwargs: Any) -> Settings:
    """Checked settings (``load_checked``) with every region's database at this version's schema (a
    no-op when it already is), so a command never meets a table the installed Havre does not expect.

    Only commands that may create an instance (``create``) do so on a data dir that holds none,
    and record the regions it declares.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import upgrade_all
    from havre.regions import declared

    settings = load_checked(data_dir, regions, **kwargs)
    if not declared.has_instance(settings):
        if not create:
            raise fail(declared.no_instance_message(settings))
        # Said, never quiet: a mistyped --data-dir shows here, before anything lands in it.
        console.print(f"created a new Havre instance in {settings.data_dir} "
                      f"(regions: {', '.join(settings.declared)})")
    if create:
        declared.record(settings)
    upgrade_all(settings)
    return settings


def read_password(path: Path) -> str:
    """The first line of a password file; refused (exit 1) when missing or empty."""
    try:
        password = path.read_text().splitlines()[0] if path.exists() else None
    except IndexError:
        password = None
    if not password:
        raise fail(f"{path} is missing or empty; put the password on its first line.")
    return password


def served_url(host: str, port: int) -> str:
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


def emit(obj: Any, as_json: bool, plain: str) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str) if as_json else plain)
