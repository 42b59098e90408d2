"""A Havre archive's activity on the new instance: what comes back, and why the rest cannot.

Follows come back for the accounts that exist here, likes for the videos that are here (the
person's own videos included: their imported copies), interests if none were chosen here yet.
Comments are never posted again (each would carry today's date under someone else's video);
those on the person's own videos stay readable on the import's report. What did not come back is
counted by reason, for the report (``imports.report``), the page and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.errors import N_, HavreError
from havre.imports.models import ImportItem
from havre.imports.plan import Plan
from havre.regions.gateway import Gateway
from havre.social.service import set_like
from havre.videos.access import access_video

# Why something did not come back: the key of a count in ``extras["left_behind"]``, and its
# counted sentence (singular, plural).
REASONS: dict[str, tuple[str, str]] = {
    "follows_absent": (N_("%(num)s follow of an account that is not on this instance"),
                       N_("%(num)s follows of accounts that are not on this instance")),
    "follows_refused": (N_("%(num)s follow that could not be made here (your own account, or one deleted "
                           "since)"),
                        N_("%(num)s follows that could not be made here (your own account, or ones deleted "
                           "since)")),
    "likes_absent": (N_("%(num)s like of a video that is not on this instance"),
                     N_("%(num)s likes of videos that are not on this instance")),
    "comments_absent": (N_("%(num)s comment on a video that is not on this instance"),
                        N_("%(num)s comments on videos that are not on this instance")),
    "comments_here": (N_("%(num)s comment on a video here: comments are not posted again, your archive "
                         "keeps it"),
                      N_("%(num)s comments on videos here: comments are not posted again, your archive "
                         "keeps them")),
    "comments_on_own": (N_("%(num)s comment on your own videos: shown read-only below, not posted again"),
                        N_("%(num)s comments on your own videos: shown read-only below, not posted again")),
    "interests_chosen": (N_("%(num)s interest: you had already chosen yours here"),
                         N_("%(num)s interests: you had already chosen yours here")),
    "interests_over": (N_("%(num)s interest over the most an account keeps"),
                       N_("%(num)s interests over the most an account keeps")),
}
# What came back, by kind, as a counted phrase.
KINDS: dict[str, tuple[str, str]] = {
    "follows": (N_("%(num)s follow"), N_("%(num)s follows")),
    "likes": (N_("%(num)s like"), N_("%(num)s likes")),
    "comments": (N_("%(num)s comment"), N_("%(num)s comments")),
    "interests": (N_("%(num)s interest"), N_("%(num)s interests")),
}
NGettext = Callable[[str, str, int], str]


def activity(plan: Plan) -> dict[str, Any]:
    """What a planned archive's run keeps to restore its activity once its videos are in."""
    return {"likes": plan.likes, "comments_elsewhere": plan.comments_elsewhere,
            "comments_on_own": plan.comments_on_own}


def _copies_here(s: Session, run_id: str) -> dict[str, str]:
    """The person's own videos: their id in the archive -> the id of their copy here."""
    items = s.scalars(select(ImportItem).where(ImportItem.run_id == run_id, ImportItem.video_id.is_not(None)))
    return {str(i.spec["archive_member"]).split("/")[2]: str(i.video_id) for i in items
            if isinstance(i.spec, dict) and str(i.spec.get("archive_member", "")).count("/") >= 3}


def restore_activity(gw: Gateway, s: Session, user: User, run_id: str, extras: dict[str, Any]) -> dict[str, int]:
    """Like again what the archive liked and is here, and count the comments by where their video
    is; returns the counts for ``extras["restored"]``."""
    done = extras.get("activity") or {}
    copies = _copies_here(s, run_id)
    tally = {"likes": 0, "likes_absent": 0, "comments_absent": 0, "comments_here": 0,
             "comments_on_own": int(done.get("comments_on_own", 0))}
    for video_id in dict.fromkeys(done.get("likes", [])):
        try:
            region, card = access_video(gw, copies.get(video_id, video_id), user)
        except HavreError:  # not here, or not visible to them
            tally["likes_absent"] += 1
            continue
        set_like(s, gw.home, user, region, card, liked=True)
        tally["likes"] += 1
    for video_id in done.get("comments_elsewhere", []):
        tally["comments_absent" if gw.regions.home_of_video(video_id) is None else "comments_here"] += 1
    return tally


def restoration(extras: dict[str, Any], ngettext: NGettext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(what came back, what did not and why) of a finished Havre archive import, each entry with its
    counted sentence in the reader's language; ([], []) before the restore ran."""
    counts = extras.get("restored")
    if not isinstance(counts, dict):
        return [], []
    back = [{"what": kind, "count": int(counts.get(kind, 0)),
             "text": ngettext(*forms, int(counts.get(kind, 0))) % {"num": int(counts.get(kind, 0))}}
            for kind, forms in KINDS.items()]
    left = [{"what": reason.split("_")[0], "count": int(counts[reason]),
             "reason": ngettext(*forms, int(counts[reason])) % {"num": int(counts[reason])}}
            for reason, forms in REASONS.items() if counts.get(reason)]
    return back, left
