"""The JSON Schema of an archive (docs/export-format.schema.json) is the one the tables make now, a real
archive validates against it, and docs/export-format.md names every data file it holds."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]  # no stubs installed

from havre.imports import archive_schema
from havre.imports.havre_archive import MANIFEST, data_name
from havre.imports.models import ImportItem, ImportRun, TikTokFollower
from havre.portability.archive_writer import export_to_file
from havre.portability.export_schema import export_json_schema, render, render_module, sections
from havre.portability.models import DataExport
from havre.regions import Regions
from havre.videos.models import Rendition
from tests.conftest import ApiClient
from tests.portability.test_export import sam  # noqa: F401  (the fixture: a life across two regions)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = DOCS / "export-format.schema.json"
PAGE = DOCS / "export-format.md"


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")  # what ``sam`` lives across


def _date_time(value: object) -> bool:
    """RFC 3339 as the export writes it: ISO 8601 with a UTC offset (jsonschema checks date-time only
    with an optional package, so the check is here)."""
    if not isinstance(value, str):
        return True
    return "T" in value and datetime.fromisoformat(value).tzinfo is not None


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_date_time)


def _validator(schema: dict[str, Any], name: str) -> Draft202012Validator:
    return Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"}, format_checker=FORMATS)


def test_the_committed_schema_is_the_one_the_tables_make() -> None:
    assert SCHEMA.exists() and SCHEMA.read_text() == render(), \
        "docs/export-format.schema.json is out of date: run `python scripts/export_schema.py`"


def test_the_importer_validates_archives_with_the_same_schema() -> None:
    """The importer sits a floor below the schema's maker, so it carries a copy (havre/imports/archive_schema.py)."""
    assert Path(archive_schema.__file__).read_text() == render_module(), \
        "src/havre/imports/archive_schema.py is out of date: run `python scripts/export_schema.py`"
    assert archive_schema.SCHEMA == export_json_schema()


def test_the_json_columns_an_import_reads_have_their_shape() -> None:
    videos = export_json_schema()["$defs"]["videos"]["items"]["properties"]
    counts = Draft202012Validator(videos["legacy_counts"])
    assert counts.is_valid({"likes": 1200}) and not counts.is_valid({"likes": "lots"})
    assert not counts.is_valid({"likes": -1}) and not counts.is_valid({"likes": 2**63})
    langs = Draft202012Validator(videos["subtitle_langs"])
    assert langs.is_valid(["fr", "pt-BR"]) and not langs.is_valid(["../x"]) and not langs.is_valid([1])
    assert videos["tiktok_id"]["maxLength"] == 32  # a String(32) column: PostgreSQL refuses more


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = export_json_schema()
    Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]) == {"manifest", *sections()}


def test_a_real_archive_validates_against_the_schema(sam: tuple[str, list[str]], client: ApiClient,  # noqa: F811
                                                    regions: Regions, tmp_path: Path) -> None:
    sam_id, (first, _) = sam
    # What the fixture leaves empty, so every section is checked with rows in it.
    assert client.post(f"/api/videos/{first}/views", json={"watch_ms": 1500, "completed": True}).status_code < 300
    assert client.post("/api/events", json={"events": [{"video_id": first, "kind": "play"}]}).status_code < 300
    assert client.get("/api/feed/foryou").status_code == 200
    assert client.post(f"/api/videos/{first}/save").status_code == 200
    with regions.get("us").session() as s:
        run = ImportRun(user_id=sam_id, source_kind="export", source="TikTok_Data.zip", extras={"following": []})
        s.add_all([run, DataExport(user_id=sam_id, status="ready"), TikTokFollower(user_id=sam_id, handle="fan"),
                   Rendition(video_id=first, name="360p", width=360, height=640, bitrate_kbps=800,
                             mp4_key=f"videos/{first}/360p.mp4", playlist_key=f"videos/{first}/360p.m3u8")])
        s.flush()
        s.add(ImportItem(run_id=run.id, user_id=sam_id, position=0, label="2021-05-04", spec={"caption": "x"}))
        s.commit()
    out = tmp_path / "sam.zip"
    export_to_file(regions, sam_id, out, instance="https://a.example")
    schema = json.loads(SCHEMA.read_text())
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        _validator(schema, "manifest").validate(manifest)
        data = sorted(n for n in zf.namelist() if n.startswith("data/"))
        assert data == sorted(data_name(name) for name in schema["$defs"] if name != "manifest"), \
            "every data file of an archive has its entry in the schema, and every entry a file"
        empty = []
        for name in data:
            rows = json.loads(zf.read(name))
            _validator(schema, name.removeprefix("data/").removesuffix(".json")).validate(rows)
            empty += [name] if not rows else []
    assert empty == [], "each section is checked with at least one row"


def test_the_format_page_names_every_data_file() -> None:
    page = PAGE.read_text()
    missing = [data_name(name) for name in sections() if f"`{data_name(name)}`" not in page]
    assert missing == [], f"docs/export-format.md does not describe {missing}"
    assert "export-format.schema.json" in page
