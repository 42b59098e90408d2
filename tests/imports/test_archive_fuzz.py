"""Fuzzing the archive readers (issue 21, part 4): near-valid Havre archives and TikTok exports —
the right keys with wrong types, keys missing or added, deep nesting, huge numbers, odd unicode —
each either imports (its plan is written to the database, every value of the type the import uses)
or is refused with the reader's own error. Any other exception fails the test: the traceback count
is measured (printed with the case counts), not hoped."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from havre.accounts import signin
from havre.imports import jsonread
from havre.imports.havre_archive import ArchiveError, plan_archive, verify
from havre.imports.models import ImportRun
from havre.imports.plan import EXPORT, Plan
from havre.imports.service import add_plan
from havre.imports.tiktok_export import ExportError, read_export
from havre.imports.ytdlp import LANG
from havre.regions import Regions
from havre.videos.service import MAX_CAPTION
from tests.conftest import PASSWORD
from tests.imports.archives import CREATED_AT, user_row, valid_row, video_row, write_archive
from tests.imports.exports import middle_layout, newest_layout, post

EXAMPLES = 200
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ODD = ["\x00", "\ud800", "\udfff", "\u202e", "\ufeff", "\U0001f600", "e\u0301", "\u0000x", "𝕳", ""]
# JSON text no Python value dumps to: numbers beyond floats and the 4,300-digit limit, NaN, deep nesting.
RAW = ["1e999", "-1e999", "NaN", "Infinity", "1" * 5000, "-0", "1E400", '"\\ud800"', '"a\\u0000b"',
       "[" * 5000 + "]" * 5000, '{"a":' * 200 + "1" + "}" * 200, "[" * 63 + "]" * 63, "18446744073709551616"]
PLACEHOLDER = "\ue000raw\ue000"

text = st.lists(st.one_of(st.characters(), st.sampled_from(ODD)), max_size=16).map("".join)
DATES = [CREATED_AT, "2021-13-45T99:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2021-06-01"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                    st.floats(allow_nan=True, allow_infinity=True), text, st.sampled_from(DATES))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=12)


SAME_TYPE: dict[type, st.SearchStrategy[Any]] = {
    str: text, bool: st.booleans(), int: st.integers(min_value=0, max_value=2**63 - 1),
    float: st.floats(allow_nan=False, allow_infinity=False), dict: st.dictionaries(text, st.integers(0, 10**12)),
    list: st.lists(st.sampled_from(["fr", "en-GB", "pt-BR"]), max_size=3)}


def _dumps(value: Any, raw: str | None) -> bytes:
    return json.dumps(value).replace(json.dumps(PLACEHOLDER), raw or "null").encode()


@st.composite
def mutated_records(draw: st.DrawFn, good: list[dict[str, Any]], benign: bool) -> tuple[bytes, int]:
    """``good`` rows as a data file's text, up to three times changed: a value replaced by an odd one of the
    same type (only that when ``benign``), a key dropped, set to any value or to raw JSON text, a key
    added, or the whole record replaced."""
    rows: list[Any] = [dict(r) for r in good]
    raw = None
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(rows) - 1))
        row = rows[i]
        key = draw(st.sampled_from(sorted(row))) if isinstance(row, dict) and row else "id"
        how = draw(st.sampled_from(["same type", "drop", "set", "raw", "add", "replace"] if not benign else
                                   ["same type"])) if isinstance(row, dict) else "replace"
        if how == "same type":  # valid, if odd: the case goes on to be imported
            rows[i][key] = draw(SAME_TYPE.get(type(row.get(key)), values))
        elif how == "drop":
            rows[i].pop(key, None)
        elif how == "set":
            rows[i][key] = draw(values)
        elif how == "raw":
            rows[i][key], raw = PLACEHOLDER, draw(st.sampled_from(RAW))
        elif how == "add":
            rows[i][draw(text)] = draw(values)
        else:
            rows[i] = draw(values)
    return _dumps(rows, raw), len(rows)


SECTIONS = {
    "users": [user_row()],
    "videos": [video_row("a" * 16, legacy_counts={"likes": 3}, subtitle_langs=["fr"], tiktok_id="7000000000000000001"),
               video_row("b" * 16, caption="#deux")],
    "following": [valid_row("following", handle="lou")],
    "interests": [valid_row("interests", tag="skate")],
    "comments_on_my_videos": [valid_row("comments_on_my_videos", body="Bravo")],
    "likes": [valid_row("likes")],
}
FILES = {"files/videos/aaaaaaaaaaaaaaaa/original.mp4": b"not decoded here",
         "files/videos/bbbbbbbbbbbbbbbb/original.mp4": b"nor this",
         "files/videos/aaaaaaaaaaaaaaaa/subtitles/fr.vtt": b"WEBVTT\n"}


@st.composite
def havre_archives(draw: st.DrawFn) -> dict[str, Any]:
    """What to write: every section valid but one or two, and maybe a changed manifest."""
    data: dict[str, Any] = {name: rows for name, rows in SECTIONS.items()}
    counts = {name: len(rows) for name, rows in SECTIONS.items()}
    benign = draw(st.booleans())  # half the cases stay valid, to go on to the database
    for name in draw(st.lists(st.sampled_from(sorted(SECTIONS)), min_size=1, max_size=2, unique=True)):
        data[name], counts[name] = draw(mutated_records(SECTIONS[name], benign))
    manifest: dict[str, Any] = {}
    without: list[str] = []
    if not benign and draw(st.booleans()):
        key = draw(st.sampled_from(["created_at", "user", "instance", "version", "counts", "extra"]))
        if draw(st.booleans()):
            without = [key] if key != "extra" else []
        else:
            manifest[key] = draw(values)
    if not benign and draw(st.integers(0, 9)) == 0:  # a count that is off by one
        name = draw(st.sampled_from(sorted(counts)))
        counts[name] += 1
    return {"data": data, "counts": counts, "manifest": manifest, "without": without}


def _check_spec(spec: dict[str, Any]) -> None:
    """What ``service._publish`` reads from a planned item, of the types it expects."""
    assert isinstance(spec["caption"], str) and len(spec["caption"]) <= MAX_CAPTION
    assert datetime.fromisoformat(spec["posted_at"]).tzinfo is not None
    assert spec["tiktok_id"] is None or (isinstance(spec["tiktok_id"], str) and len(spec["tiktok_id"]) <= 32)
    assert spec["sound"] is None or isinstance(spec["sound"], str)
    assert isinstance(spec["visibility"], str) and isinstance(spec["allow_comments"], bool)
    assert all(isinstance(k, str) and type(v) is int and 0 <= v < 2**63 for k, v in spec["legacy_counts"].items())
    assert all(LANG.fullmatch(lang) for lang in spec["subtitle_members"])


def _store(regions: Regions, user_id: str, plan: Plan) -> None:
    """Write the plan's run and items as an import does, then undo: the database takes every value."""
    with regions.default.session() as s:
        run = ImportRun(user_id=user_id, source_kind=plan.kind, source=plan.source)
        s.add(run)
        s.flush()
        add_plan(s, run, plan)
        s.rollback()


@pytest.fixture
def member(regions: Regions) -> str:
    return signin.sign_up(regions, handle="sam", password=PASSWORD, open_session=False).user.id


def _fuzz(strategy: st.SearchStrategy[Any], one: Callable[[Any], str]) -> Counter[str]:
    seen: Counter[str] = Counter()

    @FUZZ
    @given(strategy)
    def run(case: Any) -> None:
        seen[one(case)] += 1

    run()
    return seen


def test_every_near_valid_havre_archive_imports_or_is_refused_clearly(regions: Regions, member: str) -> None:
    def one(case: dict[str, Any]) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_archive(Path(tmp) / "fuzz.zip", data=case["data"], files=FILES, counts=case["counts"],
                                 manifest=case["manifest"], without=case["without"])
            try:
                archive = verify(path)
            except ArchiveError as exc:  # names the file (the zip, or the JSON file in it) or the format version
                assert any(part in exc.message for part in ("fuzz.zip", ".json", "format version")), exc.message
                return "refused"
            try:
                plan = plan_archive(archive, "fuzz.zip", max_items=10)
            finally:
                archive.close()
        for spec in plan.items:
            _check_spec(spec)
        _store(regions, member, plan)
        return "imported"

    seen = _fuzz(havre_archives(), one)
    print(f"Havre archives: {sum(seen.values())} cases, {dict(seen)}, 0 tracebacks")
    assert sum(seen.values()) >= EXAMPLES and seen["refused"] and seen["imported"]


@st.composite
def tiktok_exports(draw: st.DrawFn) -> bytes:
    """A JSON export of one of TikTok's layouts, its posts, sections or top level changed."""
    posts: list[dict[str, Any]] = [
        post("2021-06-01 10:00:00", "https://www.tiktokv.com/share/video/7212345678901234567/", Likes="1.2K",
             Title="Crêpes", WhoCanView="Friends", AllowComments="No"),
        post("2021-06-02 10:00:00", "https://img/1.jpg\nhttps://img/2.jpg", Likes="3")]
    raw = None
    for _ in range(draw(st.integers(0, 2))):
        entry = posts[draw(st.integers(0, len(posts) - 1))]
        if draw(st.booleans()):
            key = draw(st.sampled_from(["Date", "Link", "Likes", "Title", "WhoCanView", "VideoId", "Sound"]))
            entry[key] = draw(values)
        else:
            entry[draw(st.sampled_from(["Date", "Likes", "VideoId"]))], raw = PLACEHOLDER, draw(st.sampled_from(RAW))
    layout = draw(st.sampled_from([middle_layout, newest_layout]))
    root = layout(posts, following=["marco"], **({"followers": ["fan"]} if layout is middle_layout else {}))
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.sampled_from(sorted(root)))
        if draw(st.booleans()) and isinstance(root[where], dict) and root[where]:
            root[where][draw(st.sampled_from(sorted(root[where])))] = draw(values)
        else:
            root[where if draw(st.booleans()) else draw(text)] = draw(values)
    return _dumps(root, raw)


def test_every_near_valid_tiktok_export_imports_or_is_refused_clearly(regions: Regions, member: str) -> None:
    def one(data: bytes) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "export.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("TikTok/user_data_tiktok.json", data)
            try:
                export = read_export(path)
            except ExportError as exc:
                assert "user_data_tiktok.json" in str(exc) or "export.zip" in str(exc), str(exc)
                return "refused"
        for spec in export.videos:
            assert all(type(v) is int and 0 <= v < 2**63 for v in spec["legacy_counts"].values())
            assert spec["tiktok_id"] is None or len(spec["tiktok_id"]) <= 32
        _store(regions, member, Plan(kind=EXPORT, source="export.zip", items=export.videos, profile=export.profile,
                                     following=export.following, followers=export.followers,
                                     problems=export.problems))
        return "imported"

    seen = _fuzz(tiktok_exports(), one)
    print(f"TikTok exports: {sum(seen.values())} cases, {dict(seen)}, 0 tracebacks")
    assert sum(seen.values()) >= EXAMPLES and seen["refused"] and seen["imported"]


storable = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"))  # refused by design
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | storable,
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(storable, inner, max_size=5),
                           max_leaves=20)


@FUZZ
@given(rows=st.lists(json_values, max_size=20), cuts=st.lists(st.integers(min_value=1, max_value=64), max_size=30),
       indent=st.sampled_from([None, 0, 2]))
def test_records_read_in_any_chunks_are_what_json_loads_reads(rows: list[Any], cuts: list[int],
                                                             indent: int | None) -> None:
    data = json.dumps(rows, indent=indent).encode()
    chunks, at = [], 0
    for size in cuts:
        chunks.append(data[at:at + size])
        at += size
    chunks.append(data[at:])
    assert list(jsonread.records(chunks, max_record=1 << 20)) == json.loads(data)
