"""TikTok data exports built the way TikTok lays them out (three JSON generations and TXT)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def post(date: str, link: str, **fields: Any) -> dict[str, Any]:
    return {"Date": date, "Link": link, **fields}


def oldest_layout(posts: list[dict[str, Any]], **profile: str) -> dict[str, Any]:
    """2020-2021: Video.Videos.VideoList, Profile["Profile Information"]."""
    return {"Profile": {"Profile Information": {"ProfileMap": {"userName": "lea", **profile}}},
            "Video": {"Videos": {"VideoList": posts}}, "Activity": {"Following List": {"Following": []}}}


def middle_layout(posts: list[dict[str, Any]], *, following: Sequence[str] = (), followers: Sequence[str] = (),
                  **profile: str) -> dict[str, Any]:
    """2022-2023: Post.Posts.VideoList, Profile["Profile Info"], Activity with follow lists."""
    return {
        "Profile": {"Profile Info": {"ProfileMap": {"userName": "lea", **profile}}},
        "Post": {"Posts": {"VideoList": posts}},
        "Activity": {
            "Following List": {"Following": [{"Date": "2023-01-01 10:00:00", "UserName": h} for h in following]},
            "Follower List": {"FansList": [{"Date": "2023-02-01 10:00:00", "UserName": h} for h in followers]},
            "Like List": None,
        },
        "Comment": {"Comments": {"CommentsList": []}},
    }


def newest_layout(posts: list[dict[str, Any]], *, following: Sequence[str] = (), **profile: str) -> dict[str, Any]:
    """2024-: user_data_tiktok.json with "Your Activity" and "Profile And Settings", lower-case keys."""
    return {
        "Profile And Settings": {"Profile Info": {"ProfileMap": {"userName": "lea", **profile}}},
        "Your Activity": {"Following": {"Following": [{"Date": "2024-01-01 10:00:00", "UserName": h}
                                                      for h in following]}},
        "Likes and Favorites": {"Like List": {"ItemFavoriteList": None}},
        "Post": {"Posts": {"VideoList": [{k.lower(): v for k, v in p.items()} if isinstance(p, dict) else p
                                         for p in posts]}},
    }


def write_zip(dst: Path, data: dict[str, Any], *, name: str = "user_data_tiktok.json", folder: str = "") -> Path:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{folder}{name}", json.dumps(data, ensure_ascii=False))
    return dst


def write_txt_export(folder: Path, posts: list[dict[str, str]], *, following: Sequence[str] = ()) -> Path:
    (folder / "Posts").mkdir(parents=True)
    blocks = ["\n".join(f"{k}: {v}" for k, v in p.items()) for p in posts]
    (folder / "Posts" / "Posts.txt").write_text("\ufeff" + "\r\n\r\n".join(blocks).replace("\n", "\r\n"))
    (folder / "Activity").mkdir()
    (folder / "Activity" / "Following.txt").write_text(
        "\n\n".join(f"Date: 2023-01-01 10:00:00\nUsername: {h}" for h in following)
        or "You have no data in this section")
    return folder
