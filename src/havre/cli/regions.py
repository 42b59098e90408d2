"""`havre regions ...` and `residency audit`: where data lives."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from havre.cli.apps import regions_app, residency_app
from havre.cli.common import DataDir, Regions, checked_settings, console, emit, fail, load_checked
from havre.cli.text import count


@residency_app.command("audit")
def residency_audit(as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
                    data_dir: DataDir = None, regions: Regions = None) -> None:
    """Verify every region's audit chain and scan every store for data whose owner lives elsewhere.

    Exits 1 when any chain is broken or any violation is found.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.commands import residency_report

    report = residency_report(checked_settings(data_dir, regions))
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for r in report.regions:
            state = "ok" if not (r.violations or r.chain_problems) else "VIOLATIONS"
            print(f"region {r.region}: {state} - {count(r.rows_checked, 'row')}, {count(r.blobs_checked, 'file')}, "
                  f"{count(r.jobs_checked, 'job')} checked; audit chain of "
                  f"{count(r.audit_entries, 'entry', 'entries')} {'intact' if not r.chain_problems else 'BROKEN'}")
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

    settings = load_checked(data_dir)
    if not declared.has_instance(settings):
        emit([], as_json, f"No region is declared in {settings.data_dir} yet: a first `havre serve` declares "
                           f"local, `havre demo` eu and us, `havre regions add NAME` one now.")
        return
    rows = declared.describe(settings)
    emit(rows, as_json, "\n".join(f"{r['name']:8} {'(default) ' if r['default'] else ''}database {r['database']}, "
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

    settings = load_checked(data_dir)
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
