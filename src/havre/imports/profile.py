"""What an export says about its creator: fill empty profile fields, find friends already here."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from havre.accounts import service as accounts
from havre.accounts.avatar import normalize_avatar
from havre.accounts.models import User
from havre.errors import HavreError
from havre.feed.interests import MAX_INTERESTS, interests_of, set_interests
from havre.imports.fetch import FetchError, FetchPolicy, download
from havre.imports.havre_archive import Archive
from havre.imports.models import ImportRun
from havre.imports.restore import restore_activity
from havre.net.guarded import Guard
from havre.regions import Region
from havre.regions.directory import Directory
from havre.regions.gateway import Gateway
from havre.social.service import set_follow
from havre.videos.access import access_creator


def apply_profile(region: Region, directory: Directory, run: ImportRun, *, guard: Guard,
                  archive: Archive | None = None) -> None:
    """Once per run: empty profile fields (and no interests yet) from the export, and which
    followed handles exist here.

    The profile picture's URL comes from the export like any link: it is fetched through ``guard``;
    a Havre archive carries the picture itself."""
    extras = dict(run.extras or {})
    if extras.get("profile_applied"):
        return
    profile = extras.get("profile") or {}
    notes: list[str] = []
    jpeg = None
    if profile.get("avatar_member") and archive is not None:
        with tempfile.TemporaryDirectory(prefix="havre-avatar-") as tmp:
            try:
                jpeg = normalize_avatar(archive.extract(str(profile["avatar_member"]), Path(tmp) / "avatar"))
            except HavreError as exc:
                notes.append(f"profile picture not imported: {exc}")
    elif profile.get("avatar_url"):
        with tempfile.TemporaryDirectory(prefix="havre-avatar-") as tmp:
            try:
                path = Path(tmp) / "avatar"
                download(str(profile["avatar_url"]), path, guard=guard,
                         policy=FetchPolicy(attempts=2, max_bytes=10 << 20))
                jpeg = normalize_avatar(path)
            except (FetchError, HavreError) as exc:
                notes.append(f"profile picture not imported: {exc}")
    with region.session() as s:
        user = s.get(User, run.user_id)
        assert user is not None
        # Only fields the creator has not filled in on Havre.
        if profile.get("display_name") and user.display_name == user.handle:
            user.display_name = profile["display_name"][:64]
        if profile.get("bio") and not user.bio:
            user.bio = profile["bio"][:500]
        if profile.get("language") and user.language is None:  # the language chosen there, unless chosen here
            _restore_language(user, str(profile["language"]), notes)
        if jpeg is not None and not user.avatar_key:
            accounts.set_avatar(s, region.blobs, user, jpeg)
        counts = _restore_interests(s, user, extras.get("interests") or [], notes)
        wanted = {accounts.normalize_handle(h) for h in extras.get("following", [])}
        found = {h for h in wanted if directory.region_of_handle(h)}
        here = sorted(found - {user.handle})
        counts["follows_absent"] = len(wanted - found)
        extras.update(profile_applied=True, following_here=here, problems=extras.get("problems", []) + notes,
                      restoring=counts)
        s.execute(update(ImportRun).where(ImportRun.id == run.id).values(extras=extras))
        s.commit()
    run.extras = extras


def _restore_language(user: User, language: str, notes: list[str]) -> None:
    try:
        accounts.set_language(user, language)
    except HavreError:
        notes.append(f"language not restored: {language[:16]!r} is not a language")


def _restore_interests(s: Session, user: User, tags: list[str], notes: list[str]) -> dict[str, int]:
    """An archive's interests, unless some were chosen here (those are kept); how many came back,
    and how many did not and why (``imports.restore.REASONS``)."""
    if not tags:
        return {"interests": 0}
    if interests_of(s, user.id):
        return {"interests": 0, "interests_chosen": len(tags)}
    try:
        set_interests(s, user.id, tags[:MAX_INTERESTS])
    except HavreError as exc:
        notes.append(f"interests not imported: {exc}")
        return {"interests": 0}
    return {"interests": min(len(tags), MAX_INTERESTS), "interests_over": max(0, len(tags) - MAX_INTERESTS)}


def follow_found(gw: Gateway, run_id: str) -> list[str]:
    """A Havre archive's follows and likes, made again for the accounts and videos that exist here
    (once per run; both are idempotent anyway), and the tally of what came back (``restored``, read
    by ``imports.restore.restoration``). Returns the handles followed."""
    with gw.home.session() as s:
        run = s.get(ImportRun, run_id)
        assert run is not None
        extras = dict(run.extras or {})
        user = s.get(User, run.user_id)
        if extras.get("follows_made") is not None or user is None:
            return list(extras.get("follows_made") or [])
        made = []
        for handle in extras.get("following_here", []):
            try:
                creator_region, creator = access_creator(gw, handle)
                set_follow(s, gw.home, user, creator_region, creator, following=True)
                made.append(handle)
            except HavreError:
                continue  # gone since, or the person themself
        extras["follows_made"] = made
        if extras.get("activity") is not None:  # a Havre archive: its likes and the tally
            wanted = len({accounts.normalize_handle(h) for h in extras.get("following", [])})
            restoring = extras.get("restoring") or {}
            extras["restored"] = {**restoring, **restore_activity(gw, s, user, run_id, extras),
                                  "follows": len(made), "comments": 0,
                                  "follows_refused": wanted - restoring.get("follows_absent", 0) - len(made)}
        s.execute(update(ImportRun).where(ImportRun.id == run_id).values(extras=extras))
        s.commit()
        return made
