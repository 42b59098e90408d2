"""Why a video is in For You, in plain words: a message template and its parameters, made from the
reason the ranker recorded (the web layer translates it into the reader's language)."""

from __future__ import annotations

from collections.abc import Iterable

from havre.errors import N_

SIMILAR = {
    "completed": N_("Because you watched @%(handle)s to the end"),
    "liked": N_("Because you liked a video by @%(handle)s"),
    "shared": N_("Because you shared a video by @%(handle)s"),
    "watched": N_("Because you watched @%(handle)s"),
}
SIMILAR_NO_HANDLE = N_("Because of a video you watched")
FOLLOWED = N_("New from @%(handle)s, whom you follow")
FOLLOWED_NO_HANDLE = N_("New from a creator you follow")
TAG = N_("Because you like #%(tag)s")
INTEREST = N_("Because you chose #%(tag)s")
TRENDING = N_("Trending in #%(tag)s")
POPULAR = N_("Popular on Havre")
NEW = N_("New, being tried out")


def creators_named(reasons: Iterable[dict[str, str]]) -> set[str]:
    """The creators whose handles the explanations need."""
    return {r["creator"] for r in reasons if r.get("creator")}


def explain(reason: dict[str, str], handles: dict[str, str]) -> tuple[str, dict[str, str]]:
    kind = reason.get("kind")
    handle = handles.get(reason.get("creator", ""))
    if kind == "similar":
        template = SIMILAR.get(reason.get("how", ""), SIMILAR["watched"])
        return (template, {"handle": handle}) if handle else (SIMILAR_NO_HANDLE, {})
    if kind == "followed":
        return (FOLLOWED, {"handle": handle}) if handle else (FOLLOWED_NO_HANDLE, {})
    if kind == "tag" and reason.get("tag"):
        return TAG, {"tag": reason["tag"]}
    if kind == "interest" and reason.get("tag"):
        return INTEREST, {"tag": reason["tag"]}
    if kind == "trending" and reason.get("tag"):
        return TRENDING, {"tag": reason["tag"]}
    if kind == "new":
        return NEW, {}
    return POPULAR, {}
