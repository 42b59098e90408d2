"""The player's events under parallel use: every batch kept once, and folds that run at the same
time add each event to the per-video sums exactly once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from havre.recs.events import FeedEvent
from havre.recs.signals import VideoSignals, fold
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.feed.rows import add_videos

THREADS, BATCHES, PER_BATCH = 8, 10, 48  # 12 events per video per batch


def test_parallel_batches_are_all_kept_and_folded_exactly_once(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    make_client().signup("maker")
    videos = add_videos(regions, "maker", [f"Clip {n}" for n in range(4)])
    viewers = [make_client() for _ in range(THREADS)]
    for n, viewer in enumerate(viewers):
        viewer.signup(f"viewer{n}")

    def send(viewer: ApiClient) -> list[int]:
        batch = [{"video_id": videos[k % 4], "kind": "play"} for k in range(PER_BATCH)]
        return [viewer.post("/api/events", json={"events": batch}).status_code for _ in range(BATCHES)]

    with ThreadPoolExecutor(THREADS) as pool:
        codes = [c for result in pool.map(send, viewers) for c in result]
    assert codes == [204] * THREADS * BATCHES
    region = regions.default
    with region.session() as s:
        assert s.scalar(select(func.count()).select_from(FeedEvent)) == THREADS * BATCHES * PER_BATCH

    def fold_all(_: int) -> int:
        total = 0
        while True:
            with region.session() as s:
                folded = fold(s, region, regions.directory)
                s.commit()
            if folded == 0:
                return total
            total += folded

    with ThreadPoolExecutor(4) as pool:  # four folds at once, as several runners would
        folded = sum(pool.map(fold_all, range(4)))
    assert folded == THREADS * BATCHES * PER_BATCH  # each event claimed by exactly one fold
    with region.session() as s:
        plays = {str(v): int(n) for v, n in s.execute(select(VideoSignals.video_id, VideoSignals.plays))}
    # Each viewer counts once per video a day however many plays they send (recs.signals): added
    # twice, a range folded by two folds would show 2 * THREADS.
    assert plays == {v: THREADS for v in videos}


def test_a_batch_over_the_body_limit_is_refused_before_it_is_read(client: ApiClient) -> None:
    client.signup("viewer")
    body = '{"events": [' + ",".join(['{"video_id": "abcdefghijklmnop", "kind": "impression"}'] * 2000) + "]}"
    response = client.post("/api/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
