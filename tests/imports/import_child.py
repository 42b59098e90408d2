"""Import one archive in a process of its own, so its peak memory can be measured alone.

    python -m tests.imports.import_child DATA_DIR ARCHIVE cli|page

A fresh embedded instance in DATA_DIR with the member @sam; ``cli`` goes the way of
``havre import archive``, ``page`` the way of the /import page (the upload is kept, then the job
reads it). Prints one line of JSON: what became of the import, what it left behind, and the
process's peak resident memory (Linux).
HAVRE_TEST_ADDRESS_SPACE, when set, caps the process's address space (bytes): a regression then
fails here with MemoryError instead of taking the test machine's memory.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from havre.accounts import signin
from havre.accounts.models import User
from havre.config import Settings, load_settings
from havre.db.migrate import upgrade
from havre.errors import HavreError
from havre.imports import service
from havre.imports.models import ImportRun
from havre.portability.archive_import import import_archive
from havre.regions import Regions, open_regions
from havre.videos.models import Video
from havre.workers.runner import JobRunner


def _start(settings: Settings, regions: Regions, archive: Path, mode: str) -> dict[str, Any]:
    if mode == "cli":
        run = import_archive(regions, settings, handle="sam", path=archive)
        return {"status": run.status, "error": run.error}
    with regions.default.session() as s:
        user = s.scalar(select(User).where(User.handle == "sam"))
        assert user is not None
        s.expunge(user)
    started = service.start_from_export(regions.default, user, archive, filename=archive.name, drafts=False)
    JobRunner(regions=regions, settings=settings).drain()
    with regions.default.session() as s:
        done = s.get(ImportRun, started.id)
        assert done is not None
        return {"status": done.status, "error": done.error}


def _peak_rss_kib() -> int:
    """This process's peak resident memory since it started (VmHWM starts afresh at exec, where
    ``ru_maxrss`` would carry over the peak of the process that forked it)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main(data_dir: Path, archive: Path, mode: str) -> dict[str, Any]:
    settings = load_settings(data_dir=data_dir, regions="local")
    regions = open_regions(settings)
    try:
        for region in regions:
            upgrade(region.engine)
        signin.sign_up(regions, handle="sam", password="correct horse battery", open_session=False)
        try:
            outcome = _start(settings, regions, archive, mode)
        except HavreError as exc:
            outcome = {"status": "refused", "error": exc.message, "type": type(exc).__name__}
        with regions.default.session() as s:
            outcome["videos"] = s.scalar(select(func.count()).select_from(Video))
        outcome["kept"] = sorted(regions.default.blobs.keys("imports/"))
        outcome["peak_rss_kib"] = _peak_rss_kib()
        return outcome
    finally:
        regions.close()


if __name__ == "__main__":
    if os.environ.get("HAVRE_TEST_ADDRESS_SPACE"):
        limit = int(os.environ["HAVRE_TEST_ADDRESS_SPACE"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))
