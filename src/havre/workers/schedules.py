"""Jobs that run on a schedule: each is one queued job that books its successor when it runs;
starting a runtime books the first of each where none waits."""

from __future__ import annotations

from havre.config import Settings
from havre.feed import SWEEP_LISTS_JOB
from havre.feed.tasks import SWEEP_EVERY_S
from havre.jobs import book
from havre.portability import DELETE_DUE_JOB, SWEEP_EXPORTS_JOB
from havre.portability.export_requests import SWEEP_EVERY_S as EXPORT_SWEEP_EVERY_S
from havre.portability.tasks import DUE_EVERY_S as DELETIONS_DUE_EVERY_S
from havre.recs import TRAIN_JOB
from havre.regions import Regions
from havre.workers import ANALYZE_JOB
from havre.workers.maintenance import ANALYZE_EVERY_S

FIRST_TRAINING_S = 60.0  # soon after a start, then every settings.recs_train_interval_s
SCHEDULED = (TRAIN_JOB, SWEEP_LISTS_JOB, SWEEP_EXPORTS_JOB, DELETE_DUE_JOB, ANALYZE_JOB)


def book_schedules(settings: Settings, regions: Regions) -> None:
    for region in regions:
        with region.session() as s:
            book(s, TRAIN_JOB, in_s=min(FIRST_TRAINING_S, settings.recs_train_interval_s))
            book(s, SWEEP_LISTS_JOB, in_s=SWEEP_EVERY_S)
            book(s, SWEEP_EXPORTS_JOB, in_s=EXPORT_SWEEP_EVERY_S)
            book(s, DELETE_DUE_JOB, in_s=DELETIONS_DUE_EVERY_S)
            book(s, ANALYZE_JOB, in_s=ANALYZE_EVERY_S)
            s.commit()
