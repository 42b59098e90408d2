"""What does residency cost the feed? For You with one region vs the same videos split over two.

    .venv/bin/python bench/residency.py [--videos 500] [--requests 200]

Two embedded instances, measured side by side in one run over HTTP (uvicorn, one client):
  1. one region holding every video;
  2. regions eu and us holding half each, the viewer at home in eu, so every feed request also
     reads us through the gateway (two audited reads: candidates, then the page's cards).
Both as a signed-in viewer, plus a static file on the same server for scale. Prints req/s and ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from http_rate import rate, served  # noqa: E402

from havre.accounts import signin  # noqa: E402
from havre.app import create_app  # noqa: E402
from havre.config import load_settings  # noqa: E402
from havre.db.base import utcnow  # noqa: E402
from havre.db.migrate import upgrade  # noqa: E402
from havre.regions import open_regions  # noqa: E402
from havre.videos.models import READY, Video  # noqa: E402


def feed_rate(tmp: Path, names: str, videos: int, requests: int) -> tuple[float, float]:
    settings = dataclasses.replace(load_settings(data_dir=tmp / names.replace(",", "-"), regions=names),
                                   run_jobs_in_process=False)
    regions = open_regions(settings)
    for region in regions:
        upgrade(region.engine)
    now = utcnow()
    for n, region in enumerate(regions):  # the videos split evenly over the regions
        owner = signin.sign_up(regions, handle=f"creator{n}", password="benchmark-pw", region=region.name,
                               open_session=False).user
        with region.session() as s:
            for i in range(n, videos, len(regions.names)):
                s.add(Video(owner_id=owner.id, caption=f"video {i} #bench", status=READY, original_key=f"o/{i}",
                            original_sha256="0" * 64, mp4_key=f"videos/x{i}/play.mp4", like_count=i % 50,
                            posted_at=now - timedelta(minutes=i)))
            s.commit()
    viewer_home = regions.names[0]
    try:
        with served(create_app(settings, regions=regions)) as url, httpx.Client(base_url=url) as client:
            client.get("/api/feed/foryou")
            client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
            signed = client.post("/api/auth/signup", json={"handle": "viewer", "password": "benchmark-pw",
                                                           "region": viewer_home})
            assert signed.status_code == 201, signed.text
            return (rate(client, "/api/feed/foryou?limit=10", requests),
                    rate(client, "/static/vendor/README.md", requests))
    finally:
        regions.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        one, one_static = feed_rate(Path(name), "local", args.videos, args.requests)
        two, two_static = feed_rate(Path(name), "eu,us", args.videos, args.requests)
    print(f"For You req/s, {args.videos} videos, signed-in viewer, SQLite")
    print(f"  one region            {one:7.1f}   (static file {one_static:7.1f}, {one / one_static:4.2f}x)")
    print(f"  two regions, gateway  {two:7.1f}   (static file {two_static:7.1f}, {two / two_static:4.2f}x)")
    print(f"  ratio two / one       {two / one:7.2f}x")


if __name__ == "__main__":
    main()
