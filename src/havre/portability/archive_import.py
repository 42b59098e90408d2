"""Bring a Havre archive back into an account here (``havre import archive``; the /import page
goes the same way through the ``imports.run`` job).

The archive is verified whole before anything is written; then it becomes an import run like a
TikTok one (``imports.service``): one item per video, each published exactly once, resumable. The
videos come back from their originals, re-transcoded here, with their dates, captions, settings,
subtitles and TikTok data; follows come back for the accounts that exist here; comments others
wrote stay a read-only part of the import's report (they are other people's data).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from havre.accounts.access import access_account
from havre.config import Settings
from havre.imports import service as imports
from havre.imports.havre_archive import HAVRE, plan_archive, verify
from havre.imports.models import DONE, ImportRun
from havre.imports.profile import follow_found
from havre.net.guarded import OPERATOR
from havre.regions import Regions
from havre.regions.gateway import Gateway


def import_archive(regions: Regions, settings: Settings, *, handle: str, path: Path, drafts: bool = False,
                   on_progress: imports.Progress = lambda done, total: None) -> ImportRun:
    """Import (or resume importing) the archive at ``path`` into @handle; returns the finished run."""
    region, owner = access_account(regions, handle)
    archive = verify(path, media=settings.media)  # nothing is written before the whole archive checks out
    try:
        source = f"{path.name} ({archive.manifest['created_at']})"
        with region.session() as s:  # the same archive, not finished: resume it
            run = s.scalar(select(ImportRun).where(ImportRun.user_id == owner.id, ImportRun.source == source,
                                                   ImportRun.source_kind == HAVRE, ImportRun.status != DONE))
            if run is None:
                plan = plan_archive(archive, source, max_items=settings.import_max_items)
                run = imports.start_import(s, owner, plan, drafts=drafts)
                s.commit()
            run_id = run.id
        # The operator's command: the archive names no address to fetch, the guard is not consulted.
        finished = imports.run_import(region, regions.directory, settings, run_id, guard=OPERATOR, archive=archive,
                                      on_progress=on_progress)
    finally:
        archive.close()
    follow_found(Gateway(regions, home=region, actor=f"{region.name}:operator"), run_id)
    with region.session() as s:  # as the restore left it: its follows, likes and tally
        return s.get(ImportRun, run_id) or finished
