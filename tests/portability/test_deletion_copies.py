"""A deleted member leaves no copy in other members' data: their comments and handle go from the
import reports others keep and from the "Download my data" archives kept 7 days (built again without
them), also from an archive being built at that very moment; `havre users audit-deletion` finds
what would be left."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import Settings
from havre.imports.models import ImportRun
from havre.jobs import enqueue
from havre.jobs.models import Job
from havre.portability import archive_writer as export_module
from havre.portability import deletion, export_requests
from havre.portability.archive_writer import export_to_file
from havre.portability.deletion_copies import archive_data
from havre.portability.models import DataExport
from havre.portability.residency import audit_residency
from havre.regions import Regions
from havre.regions.work import JobContext
from tests.cli_runner import havre_on
from tests.conftest import ApiClient
from tests.portability.conftest import REGIONS, ok, scan
from tests.videos.helpers import upload_ready

HANDLE = "zed_q7x"
WORDS = "zed wrote qz5k71 here"  # zed's comment under bea's video


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return REGIONS


def _user(regions: Regions, user_id: str) -> User:
    home = regions.home_of_user(user_id)
    assert home is not None
    with home.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)
        return user


def _zed_and_bea(client: ApiClient, make_client: Callable[[], ApiClient], h264_clip: Path,
                 run_jobs: Callable[..., int]) -> tuple[str, str, ApiClient]:
    """zed (us) comments on bea's (eu) video; they follow each other."""
    zed_c, bea_c = client, make_client()
    zed = zed_c.signup(HANDLE, region="us")["id"]
    bea = bea_c.signup("bea", region="eu")["id"]
    video = upload_ready(bea_c, h264_clip, run_jobs, caption="chez bea")
    ok(zed_c.post(f"/api/videos/{video}/comments", json={"body": WORDS}))
    ok(zed_c.post("/api/users/bea/follow"))
    ok(bea_c.post(f"/api/users/{HANDLE}/follow"))
    run_jobs()
    return zed, bea, bea_c


def _archives(regions: Regions) -> dict[str, bytes]:
    """Every stored "Download my data" archive, every member read: key -> all their bytes."""
    found = {}
    for region in regions:
        for key in region.blobs.keys("exports/"):
            with zipfile.ZipFile(io.BytesIO(region.blobs.get_bytes(key))) as zf:
                found[key] = b"\n".join(zf.read(info) for info in zf.infolist())
    return found


def _import_extras(regions: Regions) -> str:
    texts = []
    for region in regions:
        with region.session() as s:
            texts += [json.dumps(extras, ensure_ascii=False) for extras in s.scalars(select(ImportRun.extras))]
    return "\n".join(texts)


def _import_report(regions: Regions, importer: str, archive: Path, owner: str, settings: Settings) -> str:
    """``importer``'s report of importing ``owner``'s archive, as the import of a Havre archive keeps
    it (``imports.service.add_plan``, ``imports.profile``): the comments others wrote on the videos,
    read-only, and the handles followed. Written here from a real archive so that this test does not
    hang on the archive reader's own changes."""
    export_to_file(regions, owner, archive, instance=settings.base_url)
    with zipfile.ZipFile(archive) as zf:
        section: dict[str, Any] = {name: json.loads(zf.read(f"data/{name}.json"))
                                   for name in ("comments_on_my_videos", "following")}
    following = [str(f["handle"]) for f in section["following"]]
    home = regions.home_of_user(importer)
    assert home is not None
    with home.session() as s:
        run = ImportRun(user_id=importer, source_kind="havre", source=archive.name, status="done", extras={
            "profile": {"display_name": "", "bio": ""}, "following": following, "problems": [],
            "archived_comments": section["comments_on_my_videos"], "following_here": following,
            "follows_made": following})
        s.add(run)
        s.commit()
        return run.id


def _statuses(regions: Regions) -> dict[str, str]:
    found = {}
    for region in regions:
        with region.session() as s:
            found.update({e.user_id: e.status for e in s.scalars(select(DataExport))})
    return found


@pytest.mark.parametrize("how", ["cli", "job"])
def test_a_deleted_member_leaves_no_copy_in_import_reports_or_kept_archives(
        how: str, client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions,
        h264_clip: Path, run_jobs: Callable[..., int], tmp_path: Path) -> None:
    zed, bea, bea_c = _zed_and_bea(client, make_client, h264_clip, run_jobs)
    cid = make_client().signup("cid", region="us")["id"]
    make_client().signup("dan", region="us")
    ok(bea_c.post("/api/users/dan/follow"))  # bea follows zed, then dan
    export_requests.request_export(regions.get("eu"), _user(regions, bea))  # bea's archive, kept 7 days
    run_jobs()
    # cid brings bea's archive in: zed's comment is kept read-only in cid's import report, and the
    # archive's follows (zed among them) in its lists of handles...
    run_id = _import_report(regions, cid, tmp_path / "bea.zip", bea, settings)
    export_requests.request_export(regions.get("us"), _user(regions, cid))  # ...which cid's own archive holds
    run_jobs()
    with regions.get("us").session() as s:
        extras = s.scalars(select(ImportRun.extras).where(ImportRun.id == run_id)).one()
    assert [c["author"] for c in extras["archived_comments"]] == [HANDLE]
    assert extras["following"] == [HANDLE, "dan"] and extras["follows_made"] == [HANDLE, "dan"]
    held = _archives(regions)
    assert len(held) == 2 and all(HANDLE.encode() in data and WORDS.encode() in data for data in held.values())

    if how == "cli":  # `havre users delete --now`: every region opened by the command
        code, out = havre_on(settings, "users", "delete", HANDLE, "--now", "--json")
        assert code == 0, out
        report = json.loads(out)
        assert report["elsewhere"]["eu"]["archives_rebuilt"] == report["elsewhere"]["us"]["archives_rebuilt"] == 1
        assert report["elsewhere"]["us"]["import_reports"] == 1
    else:  # the scheduled job, served for zed's region: bea's archive in eu is reached through the gateway
        deletion.schedule_deletion(regions, zed, grace=timedelta(0))
        with regions.get("us").session() as s:
            enqueue(s, "portability.delete_due", {})
            s.commit()
    run_jobs()  # (the deletion, then) the archives built again for bea and cid

    assert HANDLE not in _import_extras(regions) and WORDS not in _import_extras(regions)
    held = _archives(regions)
    assert sorted(held) == sorted(keys.export_archive(owner, export_id) for region in regions
                                  for owner, export_id in _export_ids(regions, region.name))
    assert len(held) == 2, held.keys()
    for key, data in held.items():
        assert HANDLE.encode() not in data and WORDS.encode() not in data, key
    assert _statuses(regions) == {bea: "ready", cid: "ready"}
    with regions.get("us").session() as s:  # the rest of cid's report stayed
        extras = s.scalars(select(ImportRun.extras).where(ImportRun.id == run_id)).one()
    assert extras["archived_comments"] == [] and extras["following"] == extras["follows_made"] == ["dan"]
    assert scan(regions, [HANDLE, WORDS, zed]) == []
    residency = audit_residency(settings, regions)  # the crossings into eu are on its chain, naming none of zed
    assert residency.ok, residency.as_dict()
    code, out = havre_on(settings, "users", "audit-deletion", HANDLE, "--canary", WORDS, "--json")
    assert code == 0, out
    audit = json.loads(out)
    assert audit["ok"] and audit["found"] == [] and audit["checked"]["archives"] == 2
    assert audit["checked"]["rows"] > 50


def _export_ids(regions: Regions, region: str) -> list[tuple[str, str]]:
    with regions.get(region).session() as s:
        return [(e.user_id, e.id) for e in s.scalars(select(DataExport))]


@pytest.mark.parametrize("pause", ["after reading", "after storing"])
def test_an_archive_built_while_the_member_is_deleted_leaves_them_out(
        pause: str, client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings,
        regions: Regions, h264_clip: Path, run_jobs: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    zed, bea, _ = _zed_and_bea(client, make_client, h264_clip, run_jobs)
    eu = regions.get("eu")
    export = export_requests.request_export(eu, _user(regions, bea))
    paused, go_on = threading.Event(), threading.Event()

    def wait_once() -> None:
        if not paused.is_set():  # the first build only: the one that read zed's comment
            paused.set()
            assert go_on.wait(120)

    if pause == "after reading":  # zed's comment read, nothing stored yet
        real_write = export_module.write_archive

        def slow_write(*args: Any, **kwargs: Any) -> Any:
            written = real_write(*args, **kwargs)
            wait_once()
            return written
        monkeypatch.setattr(export_requests, "write_archive", slow_write)  # the name the build calls
    else:  # stored, about to be marked ready
        real_put = eu.blob_store.put_file

        def slow_put(key: str, *args: Any, **kwargs: Any) -> None:
            real_put(key, *args, **kwargs)
            if key.startswith("exports/"):
                wait_once()
        monkeypatch.setattr(eu.blob_store, "put_file", slow_put)
    ctx = JobContext(region=eu, regions=regions, settings=settings, job_id="test-build", attempt=1,
                     report_progress=lambda progress: None)
    failures: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - the test thread reports it
            failures.append(exc)

    builder = threading.Thread(target=run, args=(lambda: export_requests.build(ctx, {"export_id": export.id}),))
    builder.start()
    assert paused.wait(120)
    deleter = threading.Thread(target=run, args=(lambda: deletion.delete_account(regions, zed),))
    deleter.start()
    deleter.join(180)
    go_on.set()
    builder.join(180)
    assert not builder.is_alive() and not deleter.is_alive() and failures == []
    run_jobs()

    with eu.session() as s:
        row = s.get(DataExport, export.id)
        assert row is not None and row.status == "ready"
    data = eu.blobs.get_bytes(keys.export_archive(bea, export.id))
    sections = dict(archive_data(io.BytesIO(data)))
    assert sections["data/comments_on_my_videos.json"] == [] and sections["data/followers.json"] == []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        everything = b"".join(zf.read(info) for info in zf.infolist())
    assert HANDLE.encode() not in everything and WORDS.encode() not in everything


def test_the_audit_names_each_place_a_deleted_member_is_left_in(
        client: ApiClient, make_client: Callable[[], ApiClient], settings: Settings, regions: Regions) -> None:
    cid = client.signup("cid", region="us")["id"]
    bea = make_client().signup("bea", region="eu")["id"]
    eu, us = regions.get("eu"), regions.get("us")
    with eu.session() as s:  # leftovers as the issue found them: an import report, a job, an archive
        run = ImportRun(user_id=bea, source_kind="havre", source="old.zip",
                        extras={"archived_comments": [{"author": HANDLE, "body": "something else"}]})
        job = Job(kind="portability.build_export", payload={"note": f"said {WORDS}"})
        s.add_all([run, job])
        s.commit()
        run_id, job_id = run.id, job.id
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("data/followers.json", json.dumps([{"handle": HANDLE, "since": "2024-01-01"}]))
        zf.writestr("data/comments_on_my_videos.json", json.dumps([{"author": "bea", "body": "clean"}]))
    archive = keys.export_archive(cid, "e1")
    us.blobs.put_bytes(archive, buffer.getvalue())

    code, out = havre_on(settings, "users", "audit-deletion", f"@{HANDLE.upper()}", "--canary", WORDS, "--json")
    assert code == 1, out
    found = json.loads(out)["found"]
    assert f"eu database: import_runs.extras (id={run_id}): handle" in found
    assert f"eu database: jobs.payload (id={job_id}): canary {WORDS!r}" in found
    assert f"us blob {archive} (data/followers.json): handle" in found
    assert len(found) == 3, found  # "bea" and "clean" are not them; "something else" is no canary
    code, out = havre_on(settings, "users", "audit-deletion", HANDLE)
    assert code == 1 and f"@{HANDLE} is still found in 2 places" in out and "import_runs.extras" in out

    code, out = havre_on(settings, "users", "audit-deletion", "cid")  # not deleted: refused
    assert code == 2 and "is an account here now" in out
    code, out = havre_on(settings, "users", "audit-deletion", HANDLE, "--regions", "us")
    assert code == 2 and "every region" in out
    code, out = havre_on(settings, "users", "audit-deletion", "--help")
    assert code == 0 and "--canary" in out and "--json" in out


class _Counted(io.BytesIO):
    """A stream that says how far it was read (an S3 object is read only that far)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.furthest = 0

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        self.furthest = max(self.furthest, self.tell())
        return data


def test_an_archive_is_read_only_as_far_as_its_data() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as zf:  # as ``portability.archive_writer`` writes one
        for name, data, deflated in (("data/comments_on_my_videos.json", json.dumps([{"author": HANDLE}]), True),
                                     ("data/likes.json", "[]", False), ("files/videos/v/original.mp4", "x" * 1_000_000,
                                                                        False)):
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as out:
                out.write(data.encode())
        zf.writestr("manifest.json", "{}")
    stream = _Counted(buffer.getvalue())
    assert list(archive_data(stream)) == [("data/comments_on_my_videos.json", [{"author": HANDLE}]),
                                          ("data/likes.json", [])]
    assert stream.furthest < 10_000  # the video was not read
    streamed = io.BytesIO()
    with zipfile.ZipFile(_Unseekable(streamed), "w") as zf:  # sizes after the data: not followed, refused
        zf.writestr("data/likes.json", "[]")
    with pytest.raises(ValueError, match="not a member this reader follows"):
        list(archive_data(io.BytesIO(streamed.getvalue())))


class _Unseekable(io.RawIOBase):
    def __init__(self, sink: io.BytesIO) -> None:
        self._sink = sink

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._sink.write(data)
