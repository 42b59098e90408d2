"""Which job engine runs which region's jobs: configuration picks it per region.

Regions with a ``broker_url`` relay their job rows to Celery on that broker; the others are
run by a JobRunner thread in this process. A deployment may mix the two.
"""

from __future__ import annotations

from typing import Protocol

from havre.config import Settings
from havre.regions.registry import Region, Regions
from havre.workers.runner import JobRunner


class Engine(Protocol):
    def start_thread(self) -> None: ...
    def stop(self) -> None: ...


def regions_by_broker(settings: Settings, regions: Regions) -> tuple[dict[str, list[Region]], list[Region]]:
    """({broker url: its regions}, regions without a broker)."""
    brokered: dict[str, list[Region]] = {}
    local: list[Region] = []
    for config in settings.regions:
        region = regions.get(config.name)
        if config.broker_url:
            brokered.setdefault(config.broker_url, []).append(region)
        else:
            local.append(region)
    return brokered, local


def background_engines(settings: Settings, regions: Regions) -> list[Engine]:
    """What a web process runs in the background: relays for brokered regions, a runner for the rest."""
    brokered, local = regions_by_broker(settings, regions)
    engines: list[Engine] = []
    if brokered:
        # Celery loads only where a region has a broker; the embedded default never needs it.
        from havre.workers.celery_backend import CeleryRelay, make_celery

        engines += [CeleryRelay(regions=rs, celery=make_celery(url)) for url, rs in brokered.items()]
    if local:
        runner = JobRunner(regions=regions, only=local, settings=settings)
        for region in local:
            region.on_job_enqueued(runner.wake)
        engines.append(runner)
    return engines
