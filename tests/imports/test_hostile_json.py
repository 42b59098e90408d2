"""An uploaded export whose JSON cannot be read ends the run (failed, with the reason) and is deleted."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from havre.imports import tasks
from havre.imports.tiktok_export import ExportError, read_export
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.imports.exports import middle_layout, post, write_zip

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _nested_zip(dst: Path, depth: int) -> Path:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("user_data_tiktok.json", '{"Post": ' + "[" * depth + "]" * depth + "}")
    return dst


def _start(client: ApiClient, archive: Path) -> str:
    response = client.post("/api/imports", files={"file": (archive.name, archive.read_bytes(), "application/zip")})
    assert response.status_code == 202, response.text
    run_id: str = response.json()["id"]
    return run_id


def _exports_kept(regions: Regions) -> list[str]:
    return [k for k in regions.default.blobs.keys() if k.startswith("imports/")]


def test_a_deeply_nested_export_fails_the_run_with_the_reason(
        client: ApiClient, regions: Regions, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    run_id = _start(client, _nested_zip(tmp_path / "deep.zip", 100_000))
    assert _exports_kept(regions)
    run_jobs()
    report = client.get(f"/api/imports/{run_id}", headers=FR).json()
    assert report["status"] == "failed"
    assert report["error"].startswith("user_data_tiktok.json est imbriqué trop profondément")
    assert _exports_kept(regions) == []  # the creator's data is not kept once the run is over


@pytest.mark.parametrize("depth", [70, 5_000, 100_000])
def test_nesting_beyond_a_real_export_is_refused_whatever_the_depth(tmp_path: Path, depth: int) -> None:
    # 70 parses, but would overflow later on (str() of a caption, the JSON columns); deeper does not parse.
    with pytest.raises(ExportError, match="nested too deeply"):
        read_export(_nested_zip(tmp_path / "deep.zip", depth))
    assert read_export(write_zip(tmp_path / "ok.zip", middle_layout([post("2021-06-01 10:00:00", "https://x/a.mp4")])))


def test_an_unforeseen_error_reading_an_export_fails_the_run_too(
        client: ApiClient, regions: Regions, tmp_path: Path, run_jobs: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, **kwargs: object) -> None:
        raise KeyError("a layout nobody foresaw")

    monkeypatch.setattr(tasks, "plan_export", broken)
    client.signup("lea")
    archive = write_zip(tmp_path / "odd.zip", middle_layout([post("2021-06-01 10:00:00", "https://x/a.mp4")]))
    run_id = _start(client, archive)
    run_jobs()
    report = client.get(f"/api/imports/{run_id}").json()
    assert report["status"] == "failed" and report["error"].startswith("odd.zip could not be read (KeyError)")
    assert _exports_kept(regions) == []
