"""`havre serve`, `worker`, `demo` and `db upgrade`: running an instance."""

from __future__ import annotations

from typing import Annotated

import typer

from havre.cli.apps import app, db_app
from havre.cli.common import DataDir, Regions, checked_settings, console, fail, served_url

# The exit status of a server whose port is taken (sysexits' EX_UNAVAILABLE): scripts can tell it
# from a refused option (1, 2) without reading the message.
PORT_TAKEN = 69


@app.command()
def serve(data_dir: DataDir = None, regions: Regions = None,
          host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000) -> None:
    """Run the web server (with an in-process job runner)."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import PortTaken, serve_http

    settings = checked_settings(data_dir, regions, create=True, served_url=served_url(host, port))
    try:
        serve_http(settings, host=host, port=port)
    except PortTaken as exc:
        raise fail(str(exc), PORT_TAKEN) from None


@app.command()
def worker(data_dir: DataDir = None, regions: Regions = None,
           queues: Annotated[str, typer.Option(help="Celery queues to consume (with a broker).")] = "transcode,default",
           ) -> None:
    """Run background jobs (transcoding...) in this process until stopped.

    With HAVRE_BROKER_URL set (redis://...), this is a Celery worker; otherwise it polls the
    job table itself.
    """
    # deferred, like every command's imports: see the module docstring
    from havre.regions import open_regions
    from havre.workers.engines import regions_by_broker
    from havre.workers.runner import JobRunner
    from havre.workers.schedules import book_schedules

    settings = checked_settings(data_dir, regions, create=True)
    opened = open_regions(settings)
    book_schedules(settings, opened)
    console.print(f"worker running jobs of regions {', '.join(opened.names)}; Ctrl-C stops")
    brokered, local = regions_by_broker(settings, opened)
    if len(brokered) > 1:
        raise fail("This worker can serve one broker; start one worker per broker with --regions.")
    runner = JobRunner(regions=opened, only=local, settings=settings) if local else None
    try:
        if brokered:
            # deferred, like every command's imports: see the module docstring
            from havre.workers.celery_backend import run_worker

            if runner is not None:  # regions without a broker are run here too
                runner.start_thread()
            [(url, served)] = brokered.items()
            run_worker(settings, opened, broker_url=url, served=served, queues=queues.split(","))
        elif runner is not None:
            runner.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if runner is not None:
            runner.stop()


DemoRegions = Annotated[str | None, typer.Option(
    "--regions", help="Only these of the instance's regions; a fresh data dir gets eu and us (two, so "
                      "residency can be seen).")]


@app.command()
def demo(data_dir: DataDir = None, regions: DemoRegions = None,
         count: Annotated[int, typer.Option(help="How many demo videos to generate.")] = 30,
         serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")] = True,
         host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000) -> None:
    """Create demo creators and videos (generated locally), then serve the feed."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import PortTaken, check_port, serve_http
    from havre.demo import DEMO_PASSWORD, seed_demo

    settings = checked_settings(data_dir, regions, create=True, new_regions="eu,us", served_url=served_url(host, port))
    try:
        if serve:
            check_port(host, port)  # before a minute of seeding, not after
        seed_demo(settings, count=count, console=console)
        if serve:
            console.print(f"[bold green]Havre is ready:[/] open [bold]{settings.base_url.rstrip('/')}/[/] and log "
                          f"in as [bold]demo[/] / [bold]{DEMO_PASSWORD}[/] (or sign up and choose a region: "
                          f"{', '.join(r.name for r in settings.regions)}). Ctrl-C stops it.")
            serve_http(settings, host=host, port=port)
    except PortTaken as exc:
        raise fail(str(exc), PORT_TAKEN) from None


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, regions: Regions = None) -> None:
    """Create or migrate every region's database to the latest schema."""
    # deferred, like every command's imports: see the module docstring
    from havre.commands import upgrade_all

    for name, revision in upgrade_all(checked_settings(data_dir, regions, create=True)).items():
        console.print(f"region {name}: at revision {revision}")
