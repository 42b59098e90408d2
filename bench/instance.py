"""A bench's own instance: settings, open regions with their schema, a creator, rows of videos.

Benches build what they measure from Havre's own parts (never from the tests' fixtures), with
jobs run by the bench itself so nothing runs behind its back.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from havre.accounts import signin  # noqa: E402
from havre.accounts.models import User  # noqa: E402
from havre.config import Settings, load_settings  # noqa: E402
from havre.db.base import utcnow  # noqa: E402
from havre.db.migrate import upgrade  # noqa: E402
from havre.regions import Region, Regions, open_regions  # noqa: E402
from havre.videos.models import READY, Video  # noqa: E402

PASSWORD = "benchmark-pw"


@dataclass
class Instance:
    settings: Settings
    regions: Regions

    def creator(self, handle: str, region: Region | None = None) -> User:
        return signin.sign_up(self.regions, handle=handle, password=PASSWORD, open_session=False,
                              region=(region or self.regions.default).name).user

    def close(self) -> None:
        self.regions.close()


def open_instance(data_dir: Path, *, regions: str | None = None) -> Instance:
    """A fresh embedded instance at ``data_dir`` (or the database HAVRE_DATABASE_URL names)."""
    settings = dataclasses.replace(load_settings(data_dir=data_dir, regions=regions), run_jobs_in_process=False)
    opened = open_regions(settings)
    for region in opened:
        upgrade(region.engine)
    return Instance(settings=settings, regions=opened)


def insert_videos(region: Region, owner: User, numbers: range) -> None:
    """Ready public videos as rows only (no media): what a feed reads, at any scale in seconds."""
    now = utcnow()
    with region.session() as s:
        for i in numbers:
            s.add(Video(owner_id=owner.id, caption=f"video {i} #bench", status=READY, original_key=f"o/{i}",
                        original_sha256="0" * 64, mp4_key=f"videos/x{i}/play.mp4", like_count=i % 50,
                        posted_at=now - timedelta(minutes=i)))
        s.commit()
