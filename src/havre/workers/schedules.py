"""Jobs that run on a schedule: each is one queued job that books its successor when it runs;
starting a runtime books the first of each where none waits."""

from __future__ import annotations

from havre.config import Settings
from havre.feed.tasks import SWEEP_EVERY_S
from havre.jobs import book
from havre.portability.exports import SWEEP_EVERY_S as EXPORT_SWEEP_EVERY_S
from havre.portability.tasks import DUE_EVERY_S as DELETIONS_DUE_EVERY_S
from havre.regions import Regions
from havre.workers.maintenance import ANALYZE_EVERY_S

FIRST_TRAINING_S = 60.0  # soon after a start, then every settings.recs_train_interval_s
SCHEDULED = ("recs.train", "feed.sweep_lists", "exports.sweep", "accounts.delete_due", "db.analyze")


def book_schedules(settings: Settings, regions: Regions) -> None:
    for region in regions:
        with region.session() as s:
            book(s, "recs.train", in_s=min(FIRST_TRAINING_S, settings.recs_train_interval_s))
            book(s, "feed.sweep_lists", in_s=SWEEP_EVERY_S)
            book(s, "exports.sweep", in_s=EXPORT_SWEEP_EVERY_S)
            book(s, "accounts.delete_due", in_s=DELETIONS_DUE_EVERY_S)
            book(s, "db.analyze", in_s=ANALYZE_EVERY_S)
            s.commit()
