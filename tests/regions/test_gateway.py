"""The gateway is the only way across: direct access fails, unregistered readers are refused,
and the residency audit finds data planted in the wrong region or a tampered chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from havre.accounts.models import User
from havre.cli import app as cli
from havre.config import Settings
from havre.portability.residency import audit_residency
from havre.regions import Regions, ResidencyViolation, serving
from havre.regions.audit import AuditEntry
from havre.regions.gateway import Gateway
from havre.social.models import Like
from havre.videos.cards import public_profile
from tests.conftest import ApiClient
from tests.operator_config import cli_env
from tests.videos.helpers import upload_ready


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


def _all_users(s: Session) -> list[str]:
    """Not a public reader: it reads every account, passwords hashes included."""
    return [u.password_hash for u in s.scalars(select(User))]


def test_a_region_cannot_be_opened_while_serving_another(regions: Regions) -> None:
    us, eu = regions.get("us"), regions.get("eu")
    with serving("eu"):
        with eu.session():
            pass  # its own region: fine
        with pytest.raises(ResidencyViolation, match="outside the gateway"), us.session():
            pass
        with pytest.raises(ResidencyViolation):
            us.blobs.keys()


def test_the_gateway_refuses_readers_that_are_not_public(regions: Regions) -> None:
    us, eu = regions.get("us"), regions.get("eu")
    with serving("eu"):
        gw = Gateway(regions, home=eu, actor="eu:member")
        with pytest.raises(ResidencyViolation, match="not a public reader"):
            gw.read(us, _all_users)
        assert gw.read(us, public_profile, "nobody") is None  # a public reader crosses, audited
    with us.session() as s:
        entries = s.scalars(select(AuditEntry)).all()
    assert [(e.action, e.from_region, e.actor) for e in entries] == [
        ("read:havre.videos.cards.public_profile", "eu", "eu:member")]


def test_requests_are_served_for_the_viewers_region(app: FastAPI, client: ApiClient, regions: Regions) -> None:
    """A request of an eu member runs under the eu guard: a route reaching us directly would fail."""
    client.post("/api/auth/signup", json={"handle": "camille", "password": "correct horse battery", "region": "eu"})
    seen: list[str | None] = []

    from havre.regions import serving_region

    @app.get("/api/test-serving")  # the app ``client`` talks to
    def probe() -> dict[str, str]:
        seen.append(serving_region())
        try:
            with regions.get("us").session():
                pass
        except ResidencyViolation:
            return {"us": "refused"}
        return {"us": "opened"}

    assert client.get("/api/test-serving").json() == {"us": "refused"}
    assert seen == ["eu"]


def _workload(
        client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path, run_jobs: Callable[..., int]) -> str:
    client.post("/api/auth/signup", json={"handle": "sam", "password": "correct horse battery", "region": "us"})
    video_id = upload_ready(client, h264_clip, run_jobs)
    viewer = make_client()
    viewer.post("/api/auth/signup", json={"handle": "camille", "password": "correct horse battery", "region": "eu"})
    viewer.post(f"/api/videos/{video_id}/like")
    run_jobs()
    return video_id


def _cli_audit(settings: Settings) -> tuple[int, dict[str, Any]]:
    """Run `havre residency audit --json` on this instance, configured as an operator would (TOML)."""
    result = CliRunner().invoke(cli, ["residency", "audit", "--json", "--data-dir", str(settings.data_dir)],
                                env=cli_env(settings))
    return result.exit_code, json.loads(result.output)


def test_the_audit_passes_a_clean_instance_and_catches_a_planted_row(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    video_id = _workload(client, make_client, h264_clip, run_jobs)
    report = audit_residency(settings, regions)
    assert report.ok, report.as_dict()
    assert {r.region: r.rows_checked > 0 for r in report.regions} == {"us": True, "eu": True}
    # A copy of an eu viewer's profile and like kept in us (a careless "exception") is found.
    assert regions.directory.region_of_handle("camille") == "eu"
    with regions.get("eu").session() as s:
        viewer = s.scalar(select(User).where(User.handle == "camille"))
        assert viewer is not None
        s.expunge(viewer)
    with regions.get("us").session() as s:
        s.merge(viewer)
        s.add(Like(user_id=viewer.id, video_id=video_id))
        s.commit()
    report = audit_residency(settings, regions)
    us = next(r for r in report.regions if r.region == "us")
    assert not report.ok
    assert f"likes.user_id={viewer.id}: user with home eu" in us.violations
    assert f"users.id={viewer.id}: user with home eu" in us.violations
    assert "users.home_region=eu stored in region us" in us.violations


def test_the_cli_exits_non_zero_on_a_tampered_chain(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions, h264_clip: Path,
        run_jobs: Callable[..., int]) -> None:
    _workload(client, make_client, h264_clip, run_jobs)
    code, report = _cli_audit(settings)
    assert code == 0 and report["ok"] is True, report
    with regions.get("us").session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(purpose="nothing happened"))
        s.commit()
    code, report = _cli_audit(settings)
    us = next(r for r in report["regions"] if r["region"] == "us")
    assert code == 1 and report["ok"] is False
    assert us["chain_problems"] == ["entry 1: its content was changed after it was written"]


def test_a_blob_of_another_region_is_found(client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings,
                                           regions: Regions, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    video_id = _workload(client, make_client, h264_clip, run_jobs)
    poster = regions.get("us").blobs.get_bytes(f"videos/{video_id}/poster.jpg")
    regions.get("eu").blobs.put_bytes(f"videos/{video_id}/poster.jpg", poster)  # a careless cache
    report = audit_residency(settings, regions)
    eu = next(r for r in report.regions if r.region == "eu")
    assert eu.violations == [f"blob videos/{video_id}/poster.jpg: video {video_id} lives in us"]


def test_handles_are_remembered_until_their_user_is_released(client: ApiClient, regions: Regions) -> None:
    client.signup("lea")
    user_id = regions.directory.user_id_of_handle("lea")
    assert user_id is not None
    assert regions.directory.handles_of([user_id, "nobody"]) == {user_id: "lea"}
    assert regions.directory.handles_of([user_id]) == {user_id: "lea"}  # from memory now
    regions.directory.release_user(user_id)
    assert regions.directory.handles_of([user_id]) == {}
