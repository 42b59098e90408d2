"""`havre users delete`: the operator starts a grace period, or deletes at once and is told what went."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from havre.accounts.models import User
from havre.config import Settings
from havre.regions import Regions
from tests.cli_runner import havre_on
from tests.conftest import ApiClient
from tests.portability.conftest import REGIONS, counts, make_life, scan, signup


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return REGIONS


def test_users_delete_now_deletes_and_reports(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions,
        h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs, models=False)
    before = counts(regions, life)

    code, out = havre_on(settings, "users", "delete", "sam", "--now", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["handle"] == "sam" and report["region"] == "us" and report["rows"]["videos"] == 2
    assert report["files"] > 0 and report["bytes_deleted"] > 0 and report["counts"]["followers"] == 2
    run_jobs()
    assert counts(regions, life)["eu.like_count"] == before["eu.like_count"] - 1
    assert scan(regions, life.needles) == []

    code, out = havre_on(settings, "users", "delete", "sam", "--now")
    assert code == 1 and "no @sam" in out

    code, out = havre_on(settings, "users", "delete", "lou")  # the grace period, without a password
    assert code == 0 and "will be deleted after" in out and "cancels it" in out
    with regions.get("us").session() as s:
        lou = s.get(User, life.lou)
        assert lou is not None and lou.delete_after is not None
    code, out = havre_on(settings, "users", "delete", "lou", "--now")
    assert code == 0 and "@lou is deleted from us" in out and "VACUUM" in out


def test_users_delete_refuses_a_selection_of_regions(client: ApiClient, settings: Settings) -> None:
    signup(client, "sam", "us")
    code, out = havre_on(settings, "users", "delete", "sam", "--now", "--regions", "us")
    assert code == 1 and "every region" in out
