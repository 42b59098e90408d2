"""What a job handler is given: the region it runs for, the way to others, its progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from havre.config import Settings
from havre.regions.gateway import Gateway
from havre.regions.registry import Region, Regions


@dataclass(frozen=True, kw_only=True)
class JobContext:
    region: Region
    regions: Regions
    settings: Settings
    job_id: str
    attempt: int
    report_progress: Callable[[float], None]
    max_attempts: int = 5

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    def gateway(self) -> Gateway:
        return Gateway(self.regions, home=self.region, actor=f"{self.region.name}:job")
