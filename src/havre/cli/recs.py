"""`havre recs train` and `havre recs eval`: train every region's model now, and measure the
recommender on a dataset's splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn

from havre.cli.apps import recs_app
from havre.cli.common import DataDir, Regions, checked_settings, console
from havre.cli.text import count

_errors = Console(stderr=True)
BAD_INPUT = 2


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
            typer.echo(f"{name}: not enough to learn from yet ({count(t.interactions, 'interaction')}); For You ranks "
                       f"by what everyone watches until then")
        else:
            typer.echo(f"{name}: model {t.version} from {count(t.interactions, 'interaction')} of "
                       f"{count(t.users, 'member')} over {count(t.items, 'video')}, {t.seconds:.1f} s")
            for other, pairs in sorted(t.shared.items()):
                typer.echo(f"  shared with {other}: {count(pairs, 'item pair')}, each watched by at least "
                           f"{count(settings.recs_k_anonymity, 'viewer')}")


@recs_app.command("eval")
def eval_command(
    train: Annotated[list[Path], typer.Option(
        "--train", help="Training interactions: a user,item CSV with a header; repeat to train on several.")],
    test: Annotated[Path, typer.Option("--test", help="Held-out interactions to measure, same format.")],
    item_features: Annotated[list[Path] | None, typer.Option(
        "--item-features", help="An (items, d) .npy array of item features; repeat for several.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="Length of the ranked list.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the training run.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a summary.")] = False,
) -> None:
    """Train on --train, rank every item for each --test user (training items removed), print Recall@K/NDCG@K.

    Several --train files are joined: a final model may train on the training and validation
    splits before it is measured on the test split. Training items of every file are removed."""
    # Deferred: numpy must not load before the thread limit is set, nor at all for `havre --help`.
    from havre.recs.blas import limit_threads

    limit_threads()  # before numpy is first imported, which the next import does
    from havre.recs.evaluate import evaluate

    try:
        if as_json:
            result = evaluate(train, test, item_features=item_features or [], k=k, seed=seed)
        else:
            with Progress(TextColumn("training"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                          console=_errors, transient=True) as bar:
                task = bar.add_task("training", total=1.0)
                result = evaluate(train, test, item_features=item_features or [], k=k, seed=seed,
                                  progress=lambda fraction: bar.update(task, completed=fraction))
    except ValueError as exc:  # InteractionsError and bad feature files included
        _errors.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    if as_json:
        typer.echo(json.dumps(result, sort_keys=True))
        return
    typer.echo(f"model {result['model']}: trained on {result['train_interactions']} interactions "
               f"in {result['train_seconds']:.1f} s")
    typer.echo(f"Recall@{k} {result['recall']:.4f}  NDCG@{k} {result['ndcg']:.4f}  over {result['users']} users")
