"""What a shared link shows elsewhere (OpenGraph): the file it points to, with that file's size."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from havre.media import synth
from tests.conftest import ApiClient
from tests.videos.helpers import upload_ready


def og(page: str, prop: str) -> str:
    match = re.search(rf'<meta property="og:{re.escape(prop)}" content="([^"]*)">', page)
    assert match, f"no og:{prop}"
    return match.group(1)


@pytest.fixture(scope="module")
def tall_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Taller than 720p, so the ladder's best rendition is smaller than the upload."""
    return synth.make_clip(tmp_path_factory.mktemp("tall") / "tall.mp4", seconds=1, width=756, height=1344, seed=4)


def test_og_video_size_is_the_size_of_the_file_it_points_to(
        client: ApiClient, tall_clip: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    vid = upload_ready(client, tall_clip, run_jobs)
    page = client.get(f"/v/{vid}").text  # playable: the remuxed upload, at the upload's size
    assert og(page, "video").endswith("/play.mp4")
    assert (og(page, "video:width"), og(page, "video:height")) == ("756", "1344")

    run_jobs()  # the ladder replaces it with its best rendition, 720p
    page = client.get(f"/v/{vid}").text
    assert og(page, "video").endswith("/720p.mp4")
    assert (og(page, "video:width"), og(page, "video:height")) == ("720", "1280")
    response = client.get(og(page, "video").removeprefix("http://127.0.0.1:8000"), follow_redirects=False)
    assert response.status_code in (200, 302), response.text
