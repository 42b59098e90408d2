"""The scheduled retraining inside a running `havre serve` with two regions: the job runner trains eu's
model while served for eu, and eu's k-anonymous item pairs land in us through the gateway (audited),
where us's For You uses them."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import Settings
from havre.recs import events
from havre.recs.model import ItemModel
from havre.regions import Regions
from havre.regions.audit import AuditEntry, verify_chain
from tests.conftest import PASSWORD, ApiClient
from tests.feed.rows import add_videos
from tests.havre_serve import havre_servers

WRITE = "write:havre.recs.sharing.put_shared_pairs"
LANDS_WITHIN_S = 45.0  # the first training is booked 1 s after the start (interval 1 s); the runner polls every 2 s


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("eu", "us")


def _eu_viewers_who_complete(regions: Regions, videos: list[str], *, viewers: int) -> None:
    """``viewers`` members of eu (rows, no passwords to hash) who each watched ``videos`` to the end."""
    with regions.get("eu").session() as s:
        for n in range(viewers):
            user = User(handle=f"crowd{n}", password_hash="-", home_region="eu")
            s.add(user)
            s.flush()
            events.record(s, user.id, [events.Signal(video_id=v, kind=events.COMPLETE) for v in videos],
                          kinds=events.KINDS)
        s.commit()


def _shared_pairs_in_us(regions: Regions) -> set[tuple[str, str]] | None:
    """eu's pairs as us holds them, None while none has landed."""
    blobs = regions.get("us").blobs
    if not blobs.exists(keys.recs_shared_current("eu")):
        return None
    version = blobs.get_bytes(keys.recs_shared_current("eu")).decode()
    local = Path(tempfile.mkdtemp()) / "shared.npz"
    blobs.download(keys.recs_shared("eu", version), local)
    model = ItemModel.load(local)
    rows, cols = model.neighbours.nonzero()
    return {(model.item_ids[i], model.item_ids[j]) for i, j in zip(rows, cols, strict=True)}


def _writes_into_us(regions: Regions) -> int:
    with regions.get("us").session() as s:
        assert verify_chain(s) == []
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == WRITE)) or 0


@pytest.mark.slow
def test_the_server_s_scheduled_training_shares_eu_pairs_with_us(
        settings: Settings, regions: Regions, client: ApiClient, tmp_path: Path) -> None:
    client.signup("maker", region="us")
    videos = add_videos(regions, "maker", [f"Clip {n}" for n in range(8)], plays=40, completes=10)
    a, b = videos[0], videos[5]
    _eu_viewers_who_complete(regions, [a, b], viewers=20)  # exactly k (20): the pair may leave eu

    with havre_servers(settings, tmp_path, 1, env={"HAVRE_RECS_TRAIN_INTERVAL_S": "1"}) as [server]:
        deadline = time.monotonic() + LANDS_WITHIN_S
        while (pairs := _shared_pairs_in_us(regions)) is None:
            assert "ResidencyViolation" not in server.log_text(), server.log_text()[-4000:]
            assert time.monotonic() < deadline, "eu's pairs never reached us:\n" + server.log_text()[-4000:]
            time.sleep(0.5)
        assert pairs == {(a, b), (b, a)}
        assert _writes_into_us(regions) >= 1  # each copy on us's chain, which verifies

        # A member of us who watches a to the end is offered b next, through the same server.
        with httpx.Client(base_url=server.url, timeout=30) as viewer:
            viewer.get("/api/me")
            viewer.headers["X-CSRF-Token"] = viewer.cookies["havre_csrf"]
            signed = viewer.post("/api/auth/signup", json={"handle": "usviewer", "password": PASSWORD,
                                                           "region": "us"})
            assert signed.status_code == 201, signed.text
            viewer.headers["X-CSRF-Token"] = signed.headers["x-csrf-token"]  # rotated at sign-up
            watched = viewer.post(f"/api/videos/{a}/views", json={"watch_ms": 9000, "completed": True})
            assert watched.status_code == 204, watched.text
            first = viewer.get("/api/feed/foryou").json()["items"][0]
            assert first["id"] == b and first["why"] == "Because you watched @maker to the end"
    assert "ResidencyViolation" not in server.log_text()
