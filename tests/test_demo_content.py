"""The demo's content makes sense: each creator posts on their theme (hashtags and sounds of their
own), and no caption appears under two creators."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from havre.accounts.models import User
from havre.config import load_settings
from havre.demo import THEMES, demo_post
from havre.regions import open_regions
from havre.videos.models import Video
from tests.cli_runner import havre, plain_environment  # noqa: F401  (plain_environment: autouse)


def test_every_creator_posts_on_their_theme_and_no_caption_repeats_across_creators(
        tmp_path: Path, h264_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What is checked is what the demo writes, not how clips are drawn or transcoded: the same
    # small clip for each, and no transcoding.
    def clip(dst: Path, **_: Any) -> Path:
        return Path(shutil.copyfile(h264_clip, dst))

    monkeypatch.setattr("havre.demo.synth.make_clip", clip)
    monkeypatch.setattr("havre.demo.process_jobs", lambda *args, **kwargs: 0)
    data = tmp_path / "data"
    count = 3 * len(THEMES)  # three videos by each creator
    code, out = havre(data, "demo", "--count", str(count), "--no-serve")
    assert code == 0, out
    assert f"Making {count} demo videos by {len(THEMES)} creators" in " ".join(out.split())

    captions: dict[str, list[str]] = defaultdict(list)
    tags: dict[str, list[set[str]]] = defaultdict(list)
    sounds: dict[str, set[str | None]] = defaultdict(set)
    regions = open_regions(load_settings(data_dir=data))
    try:
        for region in regions:
            with region.session() as s:
                for video, handle in s.execute(select(Video, User.handle).join(User, User.id == Video.owner_id)
                                               .options(selectinload(Video.hashtags))):
                    captions[handle].append(video.caption)
                    tags[handle].append({h.tag for h in video.hashtags})
                    sounds[handle].add(video.sound_title)
    finally:
        regions.close()

    assert sorted(captions) == sorted(THEMES) and all(len(c) == 3 for c in captions.values())
    for handle, theme in THEMES.items():
        shared = set.intersection(*tags[handle])
        assert shared == set(theme.tags), f"@{handle}'s videos share {shared}, not its theme's {theme.tags}"
        assert sounds[handle] <= set(theme.sounds), f"@{handle} posts with {sounds[handle]}"
        assert len(set(captions[handle])) == len(captions[handle]), f"@{handle} posts a caption twice"
    themed = [set(theme.tags) for theme in THEMES.values()]
    assert all(a.isdisjoint(b) for i, a in enumerate(themed) for b in themed[i + 1:])  # a theme is one creator's
    everyone = [caption for c in captions.values() for caption in c]
    assert len(set(everyone)) == len(everyone), "a caption appears under two creators"


def test_past_its_last_post_a_creator_numbers_them_instead_of_repeating() -> None:
    for handle, theme in THEMES.items():
        posts = [demo_post(handle, n) for n in range(3 * len(theme.posts))]
        assert len({caption for caption, _ in posts}) == len(posts)
        assert all(caption.split(" #")[0] and f"#{theme.tags[0]}" in caption for caption, _ in posts)
    assert demo_post("sam.beats", len(THEMES["sam.beats"].posts))[0].startswith("This loop lives in my head now – 2 #")
