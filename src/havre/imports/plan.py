"""What an import will bring: the items of a source, planned before anything is downloaded.

Sources: TikTok's data export (.zip or folder), TikTok URLs (videos or a profile; yt-dlp), or a
folder of earlier yt-dlp downloads (``*.mp4`` beside ``*.info.json``). Each item is a plain dict
(the "spec") stored with the import, so a stopped import resumes without reading the source again.
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

MEDIA_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".m4v")
URL = re.compile(r"https?://\S+")
EXPORT, URLS, FOLDER = "export", "urls", "folder"


@dataclass
class Plan:
    kind: str
    source: str
    items: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)
    following: list[str] = field(default_factory=list)
    followers: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def plan_urls(text: str, *, cookies_file: Path | None = None) -> Plan:
    plan = Plan(kind=URLS, source=text.strip())
    for url in URL.findall(text):
        url = url.rstrip(").,;")
        pages = expand_profile(url, cookies_file=cookies_file) if PROFILE_URL.match(url) else [url]
        for page in pages:
            plan.items.append({"label": page, "page_url": page, "tiktok_id": tiktok_id_of(page)})
    if not plan.items:
        raise ExportError(N_("No links found. Paste TikTok video links (https://www.tiktok.com/@you/video/...) "
                             "or your profile link."))
    return plan


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


def plan_export(path: Path) -> Plan:
    export = read_export(path)
    return Plan(kind=EXPORT, source=str(path), items=export.videos, profile=export.profile,
                following=export.following, followers=export.followers, problems=export.problems)


def plan_source(source: str, *, cookies_file: Path | None = None) -> Plan:
    """Pick the kind of source from what ``source`` is: links, a yt-dlp folder, or an export."""
    if URL.match(source.strip()):
        return plan_urls(source, cookies_file=cookies_file)
    path = Path(source).expanduser()
    if path.is_file() and path.suffix.lower() == ".txt":  # a list of links, one per line
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines and all(URL.fullmatch(line) for line in lines):
            return plan_urls("\n".join(lines), cookies_file=cookies_file)
    if path.is_dir() and any(path.glob("*.info.json")):
        return plan_folder(path)
    return plan_export(path)
