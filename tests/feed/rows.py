"""Ready public videos as rows (no media), placed in the directory: feeds at any size in a moment."""

from __future__ import annotations

from datetime import timedelta

from havre.accounts.models import User
from havre.db.base import utcnow
from havre.recs.signals import VideoSignals
from havre.regions import Regions
from havre.videos.models import READY, Video


def owner_of(regions: Regions, handle: str) -> User:
    region = regions.home_of_handle(handle)
    assert region is not None, handle
    with region.session() as s:
        user = s.query(User).filter_by(handle=handle).one()
        s.expunge(user)
        return user


def add_videos(regions: Regions, handle: str, captions: list[str], *, age_minutes: int = 60,
               plays: int = 0, completes: int = 0, impressions: int | None = None, sound: str | None = None
               ) -> list[str]:
    """Videos of @handle in its home region, newest first, with these anonymous aggregates."""
    owner = owner_of(regions, handle)
    region = regions.get(owner.home_region)
    now = utcnow()
    ids = []
    with region.session() as s:
        for n, caption in enumerate(captions):
            video = Video(owner_id=owner.id, caption=caption, status=READY, original_key=f"originals/x{n}",
                          original_sha256="0" * 64, mp4_key=None, sound_title=sound,
                          posted_at=now - timedelta(minutes=age_minutes + n))
            s.add(video)
            s.flush()
            ids.append(video.id)
            if plays or impressions:
                s.add(VideoSignals(video_id=video.id, impressions=impressions if impressions is not None else plays,
                                   plays=plays, completes=completes, skips=0, loops=0, not_interested=0,
                                   watch_ms=0))
            regions.directory.place_video(video.id, region.name)
        s.commit()
    return ids
