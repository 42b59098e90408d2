"""What an import did, item by item, for the CLI and the page; and the checked fetch of a run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.errors import N_, NotFound
from havre.imports import RUN_JOB
from havre.imports.models import DONE, FAILED, IMPORTED, PENDING, SKIPPED, ImportItem, ImportRun, TikTokFollower
from havre.imports.restore import NGettext, restoration
from havre.jobs import waiting


def _reason(spec: dict[str, Any], fallback: str | None, gettext: Callable[[str], str]) -> str | None:
    reason = spec.get("reason")
    if not isinstance(reason, dict):
        return fallback
    template, params = reason["template"], reason.get("params")
    text = gettext(template)
    return text % params if params else text


def _ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def report(s: Session, run: ImportRun, *, base_url: str = "",
           gettext: Callable[[str], str] = lambda text: text, ngettext: NGettext = _ngettext) -> dict[str, Any]:
    """imported / skipped / failed, each item with its label and reason, for the CLI and the page;
    for a Havre archive, what of its follows, likes, comments and interests came back (``restored``)
    and what did not, with why (``not_restored``)."""
    items = s.scalars(select(ImportItem).where(ImportItem.run_id == run.id).order_by(ImportItem.position)).all()

    def entry(i: ImportItem) -> dict[str, Any]:
        return {"label": i.label, "caption": str((i.spec or {}).get("caption") or "")[:80],
                "tiktok_id": i.tiktok_id, "video_id": i.video_id,
                "url": f"{base_url}/v/{i.video_id}" if i.video_id else None,
                "reason": _reason(i.spec or {}, i.reason, gettext)}

    problems = [{"label": p, "tiktok_id": None, "video_id": None, "url": None, "reason": p}
                for p in (run.extras or {}).get("problems", [])]
    error = _reason(run.extras or {}, run.error, gettext)
    restored, not_restored = restoration(run.extras or {}, ngettext)
    # What an unfinished run waits for, so the page never sits silently: see ``jobs.waiting``.
    waits = None if run.status in (DONE, FAILED) else waiting(s, RUN_JOB, "run_id", run.id)
    return {"id": run.id, "status": run.status, "source": run.source_kind, "drafts": run.drafts, "error": error,
            "waiting": waits, "total": len(items), "done": sum(i.status != PENDING for i in items),
            "imported": [entry(i) for i in items if i.status == IMPORTED],
            "skipped": [entry(i) for i in items if i.status == SKIPPED],
            "failed": [entry(i) for i in items if i.status == FAILED] + problems,
            "following_here": (run.extras or {}).get("following_here", []),
            "follows_made": (run.extras or {}).get("follows_made", []),
            # A Havre archive's comments by others: shown read-only on the report, never re-posted.
            "archived_comments": (run.extras or {}).get("archived_comments", []),
            "restored": restored, "not_restored": not_restored,
            # On the report of an import that brought followers, not on every later one.
            "followers_kept": (s.scalar(select(func.count()).select_from(TikTokFollower)
                                        .where(TikTokFollower.user_id == run.user_id)) or 0)
                              if (run.extras or {}).get("brought_followers") else 0}


def access_run(s: Session, run_id: str, viewer: User) -> ImportRun:
    """The one way to fetch an import run for someone: 404 unless it is theirs."""
    run = s.get(ImportRun, run_id)
    if run is None or run.user_id != viewer.id:
        raise NotFound(N_("This import does not exist or is not yours."))
    return run
