"""`havre recs train`: train every region's model now (`havre recs eval` is in recs.cli)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn

from havre.cli.common import DataDir, Regions, checked_settings, console
from havre.recs.cli import recs_app


@recs_app.command("train")
def recs_train(as_json: Annotated[bool, typer.Option("--json", help="Print what was trained as JSON.")] = False,
               data_dir: DataDir = None, regions: Regions = None) -> None:
    """Train each region's For You model from that region's members only, and swap it in.

    Servers pick the new model up within seconds; the job runner also does this every hour.
    """
    # deferred, like every command's imports: see the module docstring of havre.cli
    from havre.recs.blas import limit_threads

    limit_threads()  # before numpy is first imported, which the next import does
    from havre.recs.live import train_region
    from havre.regions import open_regions
    from havre.regions.gateway import Gateway

    settings = checked_settings(data_dir, regions)
    opened = open_regions(settings)
    results = {}
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=console, transient=as_json) as bar:
            for region in opened:
                task = bar.add_task(f"training {region.name}", total=1.0)

                def show(fraction: float, task: TaskID = task) -> None:
                    bar.update(task, completed=fraction)

                share = Gateway(opened, home=region, actor=f"{region.name}:operator")
                trained = train_region(region, progress=show, share=share, k=settings.recs_k_anonymity)
                bar.update(task, completed=1.0)
                results[region.name] = trained
    finally:
        opened.close()
    if as_json:
        typer.echo(json.dumps({name: vars(t) for name, t in results.items()}, sort_keys=True))
        return
    for name, t in results.items():
        if t.version is None:
            typer.echo(f"{name}: not enough to learn from yet ({t.interactions} interactions); For You ranks "
                       f"by what everyone watches until then")
        else:
            typer.echo(f"{name}: model {t.version} from {t.interactions} interactions of {t.users} members "
                       f"over {t.items} videos, {t.seconds:.1f} s")
            for other, pairs in sorted(t.shared.items()):
                typer.echo(f"  shared with {other}: {pairs} item pairs, each watched by at least "
                           f"{settings.recs_k_anonymity} viewers")
