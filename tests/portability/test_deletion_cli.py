"""`havre users delete`: the operator starts a grace period, or deletes at once and is told what went."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from havre.accounts.models import User
from havre.cli import app as cli
from havre.config import Settings
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.portability.conftest import REGIONS, counts, make_life, scan, signup


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return REGIONS


def _havre(settings: Settings, *args: str) -> tuple[int, str]:
    lines = [f'directory_url = "{settings.directory_url}"']
    for r in settings.regions:
        lines += [f"[regions.{r.name}]", f'database_url = "{r.database_url}"', f'blob_url = "{r.blob_url}"']
    config = settings.data_dir.parent / "havre.toml"
    config.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)],
                                env={"HAVRE_CONFIG": str(config), "HAVRE_REGIONS": ""})
    return result.exit_code, result.output


def test_users_delete_now_deletes_and_reports(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions,
        h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    life = make_life(client, make_client, regions, h264_clip, run_jobs, models=False)
    before = counts(regions, life)

    code, out = _havre(settings, "users", "delete", "sam", "--now", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["handle"] == "sam" and report["region"] == "us" and report["rows"]["videos"] == 2
    assert report["files"] > 0 and report["bytes_deleted"] > 0 and report["counts"]["followers"] == 2
    run_jobs()
    assert counts(regions, life)["eu.like_count"] == before["eu.like_count"] - 1
    assert scan(regions, life.needles) == []

    code, out = _havre(settings, "users", "delete", "sam", "--now")
    assert code == 1 and "no @sam" in out

    code, out = _havre(settings, "users", "delete", "lou")  # the grace period, without a password
    assert code == 0 and "will be deleted after" in out and "cancels it" in out
    with regions.get("us").session() as s:
        lou = s.get(User, life.lou)
        assert lou is not None and lou.delete_after is not None
    code, out = _havre(settings, "users", "delete", "lou", "--now")
    assert code == 0 and "@lou is deleted from us" in out and "VACUUM" in out


def test_users_delete_refuses_a_selection_of_regions(client: ApiClient, settings: Settings) -> None:
    signup(client, "sam", "us")
    code, out = _havre(settings, "users", "delete", "sam", "--now", "--regions", "us")
    assert code == 1 and "every region" in out
