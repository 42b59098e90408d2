"""The command groups: `havre <noun> <verb>`."""

from __future__ import annotations

import typer

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
recs_app = typer.Typer(help="Train and evaluate the For You recommender.", no_args_is_help=True)
app.add_typer(recs_app, name="recs")
