"""What an import will bring: the items of a source, planned before anything is downloaded.

Sources: TikTok's data export (.zip or folder), TikTok URLs (videos or a profile; yt-dlp), or a
folder of earlier yt-dlp downloads (``*.mp4`` beside ``*.info.json``). Each item is a plain dict
(the "spec") stored with the import, so a stopped import resumes without reading the source again.

Every item costs downloads, and a zip of a few KB can list thousands of links: ``capped`` refuses
a source with more than ``max_items`` items (``HAVRE_IMPORT_MAX_ITEMS``) before anything is fetched.
``plan_urls`` caps what it plans itself (a profile is listed no further than that).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from havre.errors import N_
from havre.imports.tiktok_export import ExportError, read_export
from havre.imports.ytdlp import PROFILE_URL, expand_profile, spec_from_info, tiktok_id_of
from havre.net.guarded import Guard

MEDIA_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".m4v")
URL = re.compile(r"https?://\S+")
EXPORT, URLS, FOLDER = "export", "urls", "folder"
MAX_PHOTOS = 35  # TikTok's own limit for a photo post
TOO_MANY = N_("This import lists more than %(limit)s videos, the most one import takes. Paste fewer links at a "
              "time; for a TikTok export, ask whoever runs this Havre instance to raise the limit "
              "(HAVRE_IMPORT_MAX_ITEMS).")


@dataclass
class Plan:
    kind: str
    source: str
    items: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)
    following: list[str] = field(default_factory=list)
    followers: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)  # a Havre archive's, kept read-only
    interests: list[str] = field(default_factory=list)  # a Havre archive's chosen hashtags
    # A Havre archive's activity, restored where it can be (``imports.restore``): the ids (on the
    # old instance) of the videos liked, and of the others' videos commented on; with how many
    # comments were on the person's own videos (they come back read-only, with ``comments``).
    likes: list[str] = field(default_factory=list)
    comments_elsewhere: list[str] = field(default_factory=list)
    comments_on_own: int = 0


def capped(plan: Plan, max_items: int) -> Plan:
    """``plan`` if one run may take it: at most ``max_items`` items, ``MAX_PHOTOS`` images per post."""
    if len(plan.items) > max_items:
        raise ExportError(TOO_MANY, limit=max_items)
    for spec in plan.items:
        if len(spec.get("links") or []) > MAX_PHOTOS:
            spec["links"] = spec["links"][:MAX_PHOTOS]
            plan.problems.append(f"{spec.get('label')}: more than {MAX_PHOTOS} photos; the first "
                                 f"{MAX_PHOTOS} were imported")
    return plan


def plan_urls(text: str, *, guard: Guard, max_items: int, cookies_file: Path | None = None) -> Plan:
    plan = Plan(kind=URLS, source=text.strip())
    for url in URL.findall(text):
        url = url.rstrip(").,;")
        pages = (expand_profile(url, guard=guard, max_items=max_items, cookies_file=cookies_file)
                 if PROFILE_URL.match(url) else [url])
        for page in pages:
            plan.items.append({"label": page, "page_url": page, "tiktok_id": tiktok_id_of(page)})
        if len(plan.items) > max_items:
            break  # refused below: listing more profiles would only cost requests
    if not plan.items:
        raise ExportError(N_("No links found. Paste TikTok video links (https://www.tiktok.com/@you/video/...) "
                             "or your profile link."))
    return capped(plan, max_items)


def plan_folder(folder: Path) -> Plan:
    plan = Plan(kind=FOLDER, source=str(folder))
    for media in sorted(p for p in folder.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES and p.is_file()):
        spec: dict[str, Any] = {"label": media.name, "local_path": str(media)}
        sidecar = media.with_suffix(".info.json")
        if sidecar.exists():
            try:
                spec |= spec_from_info(json.loads(sidecar.read_text(encoding="utf-8")))
            except (ValueError, OSError) as exc:
                plan.problems.append(f"{sidecar.name}: unreadable ({exc}); imported without its details")
        plan.items.append(spec)
    return plan


def plan_export(path: Path, *, label: str | None = None) -> Plan:
    """Every post of an export (the archive's own limits bound the reading); see ``capped``."""
    export = read_export(path, label=label)
    return Plan(kind=EXPORT, source=str(path), items=export.videos, profile=export.profile,
                following=export.following, followers=export.followers, problems=export.problems)


def plan_source(source: str, *, guard: Guard, max_items: int, cookies_file: Path | None = None) -> Plan:
    """Pick the kind of source from what ``source`` is: links, a yt-dlp folder, or an export."""
    if URL.match(source.strip()):
        return plan_urls(source, guard=guard, max_items=max_items, cookies_file=cookies_file)
    path = Path(source).expanduser()
    if path.is_file() and path.suffix.lower() == ".txt":  # a list of links, one per line
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines and all(URL.fullmatch(line) for line in lines):
            return plan_urls("\n".join(lines), guard=guard, max_items=max_items, cookies_file=cookies_file)
    if path.is_dir() and any(path.glob("*.info.json")):
        return capped(plan_folder(path), max_items)
    return capped(plan_export(path), max_items)
