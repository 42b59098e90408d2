"""Demo content: creators, generated clips (no downloads) and a little social life.

Idempotent: running it again tops up to ``count`` videos instead of duplicating.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from havre.accounts import signin
from havre.accounts.access import access_account
from havre.accounts.models import User
from havre.commands import process_jobs
from havre.config import Settings
from havre.db.base import utcnow
from havre.errors import NotFound
from havre.feed import service as feed
from havre.media import synth
from havre.regions import Region, Regions, open_regions, serving
from havre.regions.gateway import Gateway
from havre.social import COUNT_FOLLOWERS_JOB, COUNT_VIDEO_JOB
from havre.social import service as social
from havre.videos import PROCESS_JOB
from havre.videos import service as videos
from havre.videos.cards import VideoCard, owner_card, public_profile, video_cards
from havre.videos.models import Video

DEMO_PASSWORD = "havre-demo"


@dataclass(frozen=True)
class Theme:
    """What a demo creator posts about: every caption carries the theme's hashtags, and its sounds
    are the creator's own."""

    tags: tuple[str, ...]
    posts: tuple[str, ...]  # each once per creator; a post may add a hashtag of its own
    sounds: tuple[str, ...]


CREATORS = [
    ("demo", "Demo", "The account you can log in with (password: havre-demo)."),
    ("lea.cuisine", "Léa en cuisine", "Recettes en 30 secondes. Paris ✦ Montréal"),
    ("marco.skate", "Marco", "Skate, film, repeat."),
    ("aiko.draws", "Aiko", "Drawing every day. Timelapses & tips."),
    ("sam.beats", "Sam Beats", "Loops and little songs, made on a phone."),
    ("nour.voyage", "Nour", "Voyages lents, trains de nuit, cartes postales."),
]
THEMES = {
    "lea.cuisine": Theme(("recette", "cuisine"), (
        "Trois ingrédients, zéro stress", "Crêpes au sucre, la base #dessert", "Ratatouille en 30 secondes",
        "La vinaigrette de ma grand-mère", "Tarte tatin express #dessert", "Omelette baveuse\u202f: le secret",
        "Pain perdu du dimanche #brunch", "Soupe à l’oignon pour les soirs froids",
    ), ("son original – Léa en cuisine", "Petit jazz de cuisine – Léa en cuisine")),
    "marco.skate": Theme(("skate",), (
        "New trick landed after 40 tries #nevergiveup", "Kickflip in slow motion #slowmo",
        "Sunday session at the bowl", "Filming the crew at golden hour #film", "Boardslide on the long rail",
        "Tre flip, finally clean", "Night session under the bridge", "Wax, rail, repeat",
    ), ("original sound – Marco", "Garage demo tape – Marco")),
    "aiko.draws": Theme(("art", "drawing"), (
        "Speed drawing a fox in 60 seconds #timelapse", "Colour study, day 12 #colour",
        "Pattern practice", "Inking a street from memory", "Three ways to draw hands #tips",
        "Watercolour sky in one pass #watercolour", "Sketchbook tour, volume 4", "Drawing my cat, badly",
    ), ("pencil lo-fi – Aiko",)),
    "sam.beats": Theme(("music", "beats"), (
        "This loop lives in my head now", "Tiny synth, big sound #synth", "A whole song on one phone",
        "Drum loop from kitchen sounds", "Bassline in one take", "Chords for a rainy day",
        "Your voice memo, remixed", "Four bars a day, day 30",
    ), ("Loop no. 7 – Sam Beats", "Rainy chords – Sam Beats", "Phone song – Sam Beats")),
    "nour.voyage": Theme(("voyage",), (
        "Le train de nuit vers Vienne #train", "Coucher de soleil sur le Vieux-Port #marseille",
        "Lumière du matin sur le canal #paris", "Carte postale de Lisbonne", "Couchette, thé et fenêtre #train",
        "Six heures de train, zéro regret #train", "Le marché de Naples au réveil", "Ferry de nuit vers la Corse",
    ), ("bruit des rails – Nour",)),
}


def demo_post(handle: str, n: int) -> tuple[str, str]:
    """The caption and sound of ``handle``'s ``n``-th demo video (from 0): on the creator's theme,
    each caption once (past the last post, they come round again numbered: "… – 2")."""
    theme = THEMES[handle]
    text = theme.posts[n % len(theme.posts)]
    again = n // len(theme.posts)
    own = text.find(" #")
    words, extra = (text, "") if own < 0 else (text[:own], text[own:])
    if again:
        words += f" – {again + 1}"
    return f"{words} {' '.join('#' + tag for tag in theme.tags)}{extra}", theme.sounds[n % len(theme.sounds)]


# Every demo caption, once (the burned-in text of the clips is the part before the hashtags).
CAPTIONS = [demo_post(handle, n)[0] for handle, theme in THEMES.items() for n in range(len(theme.posts))]
COMMENTS = ["So good!", "Trop beau 😍", "How did you do that?", "Encore\u202f!", "Saving this one",
            "The colours!!", "J’adore", "Tutorial please 🙏"]


def _ensure_creators(regions: Regions) -> list[tuple[Region, User]]:
    """The demo creators, spread over the instance's regions (so residency can be seen)."""
    creators = []
    for i, (handle, name, bio) in enumerate(CREATORS):
        try:
            creators.append(access_account(regions, handle))
        except NotFound:
            signed = signin.sign_up(regions, handle=handle, password=DEMO_PASSWORD, open_session=False,
                                    region=regions.names[i % len(regions.names)], display_name=name, bio=bio)
            creators.append((signed.region, signed.user))
    return creators


def _count_videos(regions: Regions) -> int:
    total = 0
    for region in regions:
        with region.session() as s:
            total += s.scalar(select(func.count()).select_from(Video)) or 0
    return total


# The creators the demo account follows, in both regions of a two-region demo (creators
# alternate between regions), so its Following tab shows both.
DEMO_FOLLOWS = ("marco.skate", "aiko.draws", "nour.voyage")


def seed_demo(settings: Settings, *, count: int = 30, console: Console | None = None) -> None:
    regions = open_regions(settings)
    rng = random.Random(7)
    try:
        creators = _ensure_creators(regions)
        existing = _count_videos(regions)
        missing = max(0, count - existing)
        if missing and console is not None:
            console.print(f"Making {missing} demo video{'' if missing == 1 else 's'} by {len(creators) - 1} creators "
                          f"in regions {', '.join(regions.names)}: generated on this machine, a few seconds each.")
        # Not transient: the finished bars stay, and a log (no terminal) gets their final state.
        with Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            if missing:
                made = bar.add_task("generating videos", total=missing)
                _make_videos(settings, regions, creators, existing, missing, rng, on_clip=lambda: bar.advance(made))
            playable = bar.add_task("making them playable (transcoding)", total=None)
            process_jobs(settings, kinds={PROCESS_JOB},
                         on_progress=lambda done, total: bar.update(playable, completed=done, total=total))
            if missing:
                _add_social_life(regions, creators, rng)
            _follow_for_demo(regions, creators)
            counted = bar.add_task("counting likes, views and follows", total=None)
            process_jobs(settings, kinds={COUNT_VIDEO_JOB, COUNT_FOLLOWERS_JOB},
                         on_progress=lambda done, total: bar.update(counted, completed=done, total=total))
    finally:
        regions.close()


def _make_videos(settings: Settings, regions: Regions, creators: list[tuple[Region, User]], start: int,
                 missing: int, rng: random.Random, *, on_clip: Callable[[], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="havre-demo-") as tmp:

        def post(i: int) -> tuple[Region, User, str, str]:
            # Creators take turns: the i-th video is the (i // creators)-th of its creator.
            region, owner = creators[1 + i % (len(creators) - 1)]
            return region, owner, *demo_post(owner.handle, i // (len(creators) - 1))

        def make(i: int) -> Path:
            caption = post(i)[2]
            path = synth.make_clip(Path(tmp) / f"clip{i}.mp4", seconds=4 + i % 4, width=540, height=960,
                                   seed=i, text=caption.split(" #")[0].strip())
            on_clip()
            return path

        with ThreadPoolExecutor(max_workers=2) as pool:
            clips = list(pool.map(make, range(start, start + missing)))
        now = utcnow()
        for n, (i, clip) in enumerate(zip(range(start, start + missing), clips, strict=True)):
            region, owner, caption, sound = post(i)
            with region.session() as s:
                video = videos.create_upload(region, regions.directory, s, owner, clip, limits=settings.media,
                                             caption=caption, original_name=clip.name)
                video.sound_title = sound
                # Spread posting dates over the last days so "fresh" ranking has something to do.
                video.posted_at = now - timedelta(hours=rng.uniform(0, 24 * 10) + n * 0.01)
                s.commit()


def _add_social_life(regions: Regions, creators: list[tuple[Region, User]], rng: random.Random) -> None:
    """Each demo person likes, watches, comments and follows as a viewer would: their rows at home,
    counts pushed to the video's region, foreign videos read through the (audited) gateway."""
    everything: list[tuple[Region, VideoCard]] = []
    for region in regions:
        with region.session() as s:
            everything += [(region, c) for c in video_cards(s, s.scalars(select(Video)))]
    for home, user in creators[1:]:
        with serving(home.name):
            gw = Gateway(regions, home=home, actor=f"{home.name}:demo")
            with home.session() as s:
                for creator_region, creator in rng.sample(creators, 3):
                    if creator.id != user.id:
                        social.set_follow(s, home, user, creator_region, gw.read(
                            creator_region, public_profile, creator.handle) or owner_card(creator), following=True)
                for video_region, card in everything:
                    if rng.random() < 0.4:
                        social.set_like(s, home, user, video_region, card, liked=True)
                        feed.record_view(s, home, user, video_region, card, watch_ms=rng.randint(1000, 8000),
                                         completed=rng.random() < .5, session_secret="")
                    if rng.random() < 0.2:
                        social.add_comment(s, home, user, video_region, card, rng.choice(COMMENTS))
                s.commit()


def _follow_for_demo(regions: Regions, creators: list[tuple[Region, User]]) -> None:
    """The account people log in with follows a few creators (idempotent), so Following is not empty."""
    home, demo = creators[0]
    followed = [(region, user) for region, user in creators if user.handle in DEMO_FOLLOWS]
    with serving(home.name):
        gw = Gateway(regions, home=home, actor=f"{home.name}:demo")
        with home.session() as s:
            for region, creator in followed:
                card = gw.read(region, public_profile, creator.handle) or owner_card(creator)
                social.set_follow(s, home, demo, region, card, following=True)
            s.commit()
