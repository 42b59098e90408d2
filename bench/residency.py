"""What does residency cost the feed? For You with one region vs the same videos split over two.

    .venv/bin/python bench/residency.py [--videos 500] [--requests 200]

Two embedded instances, served at the same time over HTTP (uvicorn, one client each):
  1. one region holding every video;
  2. regions eu and us holding half each, the viewer at home in eu, so every feed request also
     reads us through the gateway (candidates, then the page's cards: one audit entry per request).
Both as a signed-in viewer. Requests alternate between the two one by one, so a busy moment of a
shared machine slows both alike. Prints req/s and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from http_rate import served  # noqa: E402
from instance import insert_videos, open_instance  # noqa: E402

from havre.app import create_app  # noqa: E402


def instance(stack: ExitStack, tmp: Path, names: str, videos: int) -> httpx.Client:
    """An instance with ``videos`` videos split over ``names``, served; a signed-in client of it."""
    instance = open_instance(tmp / names.replace(",", "-"), regions=names)
    stack.callback(instance.close)
    settings, regions = instance.settings, instance.regions
    for n, region in enumerate(regions):  # the videos split evenly over the regions
        insert_videos(region, instance.creator(f"creator{n}", region), range(n, videos, len(regions.names)))
    url = stack.enter_context(served(create_app(settings, regions=regions)))
    client = stack.enter_context(httpx.Client(base_url=url))
    client.get("/api/feed/foryou")
    client.headers["X-CSRF-Token"] = client.cookies["havre_csrf"]
    signed = client.post("/api/auth/signup", json={"handle": "viewer", "password": "benchmark-pw",
                                                   "region": regions.names[0]})
    assert signed.status_code == 201, signed.text
    client.headers["X-CSRF-Token"] = signed.headers["x-csrf-token"]  # rotated at sign-up
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    path = "/api/feed/foryou?limit=10"
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name, ExitStack() as stack:
        clients = {"one": instance(stack, Path(name), "local", args.videos),
                   "two": instance(stack, Path(name), "eu,us", args.videos)}
        for client in clients.values():  # warm up
            for _ in range(20):
                client.get(path)
        # Requests alternate one by one, so a busy moment of a shared machine slows both alike.
        spent = {"one": 0.0, "two": 0.0}
        for _ in range(args.requests):
            for label, client in clients.items():
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                spent[label] += time.perf_counter() - start
    one_rate, two_rate = args.requests / spent["one"], args.requests / spent["two"]
    print(f"For You req/s, {args.videos} videos, signed-in viewer, SQLite, {args.requests} requests each, alternating")
    print(f"  one region            {one_rate:7.1f}")
    print(f"  two regions, gateway  {two_rate:7.1f}")
    print(f"  ratio two / one       {two_rate / one_rate:7.2f}x")

if __name__ == "__main__":
    main()
