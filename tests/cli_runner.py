"""Running `havre` in-process against a data dir, with none of the caller's HAVRE_* settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from havre.cli import app
from havre.config import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HAVRE_REGIONS", "HAVRE_CONFIG", "HAVRE_BASE_URL", "HAVRE_DATABASE_URL", "HAVRE_BLOB_URL",
                "HAVRE_DIRECTORY_URL", "HAVRE_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)


def havre(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data)])
    return result.exit_code, result.output


def havre_on(settings: Settings, *args: str) -> tuple[int, str]:
    """`havre ARGS` against a test instance, every region as a config file declares them (its
    databases and buckets, PostgreSQL and S3 in scale mode)."""
    lines = [f'directory_url = "{settings.directory_url}"']
    for r in settings.regions:
        lines += [f"[regions.{r.name}]", f'database_url = "{r.database_url}"', f'blob_url = "{r.blob_url}"']
    config = settings.data_dir.parent / "havre.toml"
    config.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, [*args, "--data-dir", str(settings.data_dir)],
                           env={"HAVRE_CONFIG": str(config), "HAVRE_REGIONS": ""})
    return result.exit_code, result.output
