"""With an S3 store the app never proxies video bytes: it checks access, then redirects to a
short-lived presigned URL that the browser fetches (with Range) straight from the store."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from havre.config import load_settings
from havre.db.migrate import upgrade
from havre.regions import open_regions
from tests.conftest import ApiClient
from tests.s3server import S3Server
from tests.videos.helpers import upload_ready


@pytest.fixture
def s3_client(tmp_path: Path, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    from havre.app import create_app

    bucket = s3_server.new_bucket(f"v-{uuid.uuid4().hex[:16]}")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HAVRE_BLOB_URL", f"s3://{bucket}")
    settings = dataclasses.replace(load_settings(data_dir=tmp_path / "data"), run_jobs_in_process=False)
    regions = open_regions(settings)
    upgrade(regions.default.engine)
    with ApiClient(create_app(settings, regions=regions)) as client:
        client.prime_csrf()
        yield client
    regions.close()


def test_media_is_served_from_s3_by_presigned_redirect(s3_client: ApiClient, h264_clip: Path) -> None:
    from havre.workers.runner import JobRunner

    app = s3_client.app
    s3_client.signup("lea")
    runner = JobRunner(regions=app.state.regions, settings=app.state.settings)  # type: ignore[attr-defined]
    vid = upload_ready(s3_client, h264_clip, lambda kinds=None: runner.drain(), ladder=True)
    video = s3_client.get(f"/api/videos/{vid}").json()
    assert app.state.regions.default.blobs.local_path(f"videos/{vid}/poster.jpg") is None  # type: ignore[attr-defined]

    redirect = s3_client.get(video["mp4_url"], follow_redirects=False)
    assert redirect.status_code == 302
    signed = redirect.headers["location"]
    assert "X-Amz-Signature=" in signed and signed.startswith("http://127.0.0.1:")
    whole = httpx.get(signed)
    assert whole.status_code == 200 and whole.content[4:8] == b"ftyp"
    part = httpx.get(signed, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == whole.content[:100]

    # Playlists come from the app, so their relative segment URIs return here for the check.
    master = s3_client.get(video["hls_url"])
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    variant = master.text.strip().splitlines()[-1]
    segment_list = s3_client.get(video["hls_url"].rsplit("/", 1)[0] + "/" + variant).text
    segment = next(line for line in segment_list.splitlines() if line.endswith(".ts"))
    seg_url = video["hls_url"].rsplit("/", 1)[0] + "/" + variant.rsplit("/", 1)[0] + "/" + segment
    assert s3_client.get(seg_url, follow_redirects=False).status_code == 302

    # Private: no redirect (no signature) for anyone else.
    s3_client.patch(f"/api/videos/{vid}", json={"visibility": "private"})
    with ApiClient(app) as stranger:
        assert stranger.get(video["mp4_url"], follow_redirects=False).status_code == 404
