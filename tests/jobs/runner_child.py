"""A job runner in a process of its own, that claims one job and then hangs, to be killed.

    python -m tests.jobs.runner_child

Opens the instance its environment names (``tests.havre_serve.server_env``), claims the first
ready job as `havre serve`'s runner would (no fixed name: a slot of the data dir), prints
``claimed JOB_ID RUNNER_NAME`` and sleeps until it is killed, the job still in hand.
"""

from __future__ import annotations

import sys
import time

from havre.config import load_settings
from havre.regions import open_regions
from havre.workers.runner import JobRunner


def main() -> int:
    settings = load_settings()
    regions = open_regions(settings)
    runner = JobRunner(regions=regions, settings=settings)
    job = runner.claim(regions.default)
    if job is None:
        print("nothing to claim", flush=True)
        return 1
    print(f"claimed {job.id} {runner.name}", flush=True)
    while True:  # a process that dies mid-job: only a kill ends it
        time.sleep(60)


if __name__ == "__main__":
    sys.exit(main())
