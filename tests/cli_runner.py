"""Running `havre` in-process against a data dir, with none of the caller's HAVRE_* settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from havre.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HAVRE_REGIONS", "HAVRE_CONFIG", "HAVRE_BASE_URL", "HAVRE_DATABASE_URL", "HAVRE_BLOB_URL",
                "HAVRE_DIRECTORY_URL", "HAVRE_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)


def havre(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data)])
    return result.exit_code, result.output
