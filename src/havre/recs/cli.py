"""`havre recs ...`: train and measure the recommender from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

recs_app = typer.Typer(help="Train and evaluate the For You recommender.", no_args_is_help=True,
                       pretty_exceptions_enable=False)
_errors = Console(stderr=True)

BAD_INPUT = 2


@recs_app.callback()
def _recs() -> None:
    """Train and evaluate the For You recommender."""


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
