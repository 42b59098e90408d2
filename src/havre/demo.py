"""Demo content: creators, generated clips (no downloads) and a little social life.

Idempotent: running it again tops up to ``count`` videos instead of duplicating.
"""

from __future__ import annotations

import random
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from havre.accounts import service as accounts
from havre.accounts.models import User
from havre.commands import process_jobs
from havre.config import Settings
from havre.db.base import utcnow
from havre.feed import service as feed
from havre.media import synth
from havre.regions import open_regions
from havre.social import service as social
from havre.videos import service as videos
from havre.videos.models import Video

DEMO_PASSWORD = "havre-demo"
CREATORS = [
    ("demo", "Demo", "The account you can log in with (password: havre-demo)."),
    ("lea.cuisine", "Léa en cuisine", "Recettes en 30 secondes. Paris ✦ Montréal"),
    ("marco.skate", "Marco", "Skate, film, repeat."),
    ("aiko.draws", "Aiko", "Drawing every day. Timelapses & tips."),
    ("sam.beats", "Sam Beats", "Loops and little songs, made on a phone."),
    ("nour.voyage", "Nour", "Voyages lents, trains de nuit, cartes postales."),
]
CAPTIONS = [
    "Morning light on the canal #paris #slowliving",
    "Trois ingrédients, zéro stress #recette #cuisine",
    "New trick landed after 40 tries #skate #nevergiveup",
    "Speed drawing a fox in 60 seconds #art #timelapse",
    "This loop lives in my head now #music #beats",
    "Le train de nuit vers Vienne #voyage #train",
    "Colour study, day 12 #art #colour",
    "Crêpes au sucre, la base #recette #dessert",
    "Kickflip in slow motion #skate #slowmo",
    "Tiny synth, big sound #music #synth",
    "Sunset over the old port #marseille #voyage",
    "Pattern practice #art #generative",
]
COMMENTS = ["So good!", "Trop beau 😍", "How did you do that?", "Encore !", "Saving this one",
            "The colours!!", "J'adore", "Tutorial please 🙏"]


def _ensure_creators(s, region_name: str) -> list[User]:  # type: ignore[no-untyped-def]
    users = []
    for handle, name, bio in CREATORS:
        user = accounts.user_by_handle(s, handle)
        if user is None:
            user = accounts.create_user(s, handle=handle, password=DEMO_PASSWORD, home_region=region_name,
                                        display_name=name, bio=bio)
        users.append(user)
    s.commit()
    return users


def seed_demo(settings: Settings, *, count: int = 30, console: Console | None = None) -> None:
    regions = open_regions(settings)
    region = regions.default
    rng = random.Random(7)
    try:
        with region.session() as s:
            creators = _ensure_creators(s, region.name)
            existing = s.scalar(select(func.count()).select_from(Video)) or 0
        missing = max(0, count - existing)
        if missing:
            _make_videos(settings, region, creators, existing, missing, rng, console)
        process_jobs(settings, console=console, kinds={"media.process"}, label="making videos playable")
        if missing:
            _add_social_life(region, creators, rng)
    finally:
        regions.close()


def _make_videos(settings, region, creators, start: int, missing: int, rng: random.Random,  # type: ignore[no-untyped-def]
                 console: Console | None) -> None:
    with tempfile.TemporaryDirectory(prefix="havre-demo-") as tmp, \
            Progress(console=console, transient=True) as bar:
        task = bar.add_task("generating demo videos", total=missing)

        def make(i: int) -> Path:
            caption = CAPTIONS[i % len(CAPTIONS)]
            path = synth.make_clip(Path(tmp) / f"clip{i}.mp4", seconds=4 + i % 4, width=540, height=960,
                                   seed=i, text=caption.split("#")[0].strip())
            bar.advance(task)
            return path

        with ThreadPoolExecutor(max_workers=2) as pool:
            clips = list(pool.map(make, range(start, start + missing)))
        now = utcnow()
        with region.session() as s:
            for n, (i, clip) in enumerate(zip(range(start, start + missing), clips, strict=True)):
                owner = creators[1 + i % (len(creators) - 1)]
                video = videos.create_upload(region, s, owner, clip, limits=settings.media,
                                             caption=CAPTIONS[i % len(CAPTIONS)], original_name=clip.name)
                # Spread posting dates over the last days so "fresh" ranking has something to do.
                video.posted_at = now - timedelta(hours=rng.uniform(0, 24 * 10) + n * 0.01)
            s.commit()


def _add_social_life(region, creators: list[User], rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    with region.session() as s:
        clips = list(s.scalars(select(Video)))
        users = [s.get(User, u.id) for u in creators]
        for user in users:
            for other in rng.sample(users, 3):
                if other.id != user.id:
                    social.set_follow(s, user, other, following=True)
        for video in clips:
            for user in rng.sample(users[1:], rng.randint(0, 4)):
                social.set_like(s, user, video, liked=True)
                feed.record_view(s, user, video, watch_ms=rng.randint(1000, 8000), completed=rng.random() < .5)
            for user in rng.sample(users[1:], rng.randint(0, 2)):
                social.add_comment(s, user, video, rng.choice(COMMENTS))
        s.commit()
