"""Archives that cannot blow up the server (issue 21): whatever a Havre archive or a TikTok export
holds, importing it (``havre import archive``, or the /import page and its job) takes under 300 MB,
writes nothing to disk beyond what the limits allow, and a refused one leaves nothing behind: no
video, no upload.

Each import runs in a process of its own (``tests.imports.import_child``), which reports its peak
resident memory (the kernel's VmHWM) when it ends; a thread samples what its temporary folder holds
meanwhile. The bombs are real zips, built once per session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from havre.imports import jsonread
from havre.imports.havre_archive import DATA_MAX, MANIFEST_MAX, RECORD_MAX
from havre.imports.tiktok_export import Limits
from tests.imports.archives import (
    VIDEO_ID,
    declare_size,
    small_objects,
    user_row,
    valid_row,
    video_row,
    write_archive,
    zeros,
)

ROOT = Path(__file__).resolve().parents[2]
PEAK_RSS_MIB = 300
MEDIA_LIMIT = 8 << 20  # the child instance's HAVRE_MAX_UPLOAD_BYTES: an original may be 8 MiB
ORIGINAL = f"files/videos/{VIDEO_ID}/original.mp4"
KIB = 1 << 10


def _junk_records(total: int) -> tuple[Iterator[bytes], int]:
    """``data/import_runs.json`` of about ``total`` bytes, and its record count: records just under the
    record limit, each valid (``extras`` may hold any object) and the costliest JSON to parse ({} after {})."""
    head = json.dumps({k: v for k, v in valid_row("import_runs").items() if k != "extras"})[:-1].encode()
    head += b', "extras": {"x": ['
    per_record = RECORD_MAX - KIB
    count = (total - 2) // (per_record + 1)
    record = head + b"{}," * ((per_record - len(head) - 4) // 3 - 1) + b"{}]}}"

    def chunks() -> Iterator[bytes]:
        yield b"["
        for n in range(count):
            yield record + (b"," if n < count - 1 else b"")
        yield b"]"
    return chunks(), count


@pytest.fixture(scope="session")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each bomb, and what becomes of it: "refused" (and what the refusal says) or "done"."""
    out = tmp_path_factory.mktemp("bombs")
    users = [user_row()]
    made: dict[str, tuple[Path, str]] = {}
    # The attacker's: 64 MiB of {} in a zip of 66 KB (it took an importer to 5 GB).
    chunks, count = small_objects(64 << 20)
    made["deflated json"] = (write_archive(out / "deflated.zip", data={"users": users, "videos": chunks},
                                           counts={"users": 1, "videos": count}), "refused: zip bomb")
    # A data file at its cap, stored (no compression to judge), every record valid and costly to parse.
    chunks, count = _junk_records(DATA_MAX)
    made["json at the cap"] = (write_archive(out / "cap.zip", data={"users": users, "import_runs": chunks},
                                             counts={"users": 1, "import_runs": count}, compress=False), "done")
    # A manifest at its cap, parsed whole: its size is allowed, what parsing it would take is not.
    chunks, _ = small_objects(MANIFEST_MAX - 4 * KIB)
    made["manifest at the cap"] = (write_archive(out / "manifest.zip", data={"users": users}, padding=chunks,
                                                 compress=False), "refused: would take")
    # The attacker's other: a 1 GiB original of zeros in a zip of 1 MB (it wrote 1 GiB to the temp folder).
    made["zeros original"] = (write_archive(out / "zeros.zip", data={"users": users, "videos": [video_row()]},
                                            files={ORIGINAL: zeros(1 << 30)}), "refused: zip bomb")
    # Incompressible originals: one over the media limit, one whose header says less than it holds.
    noise = os.urandom(2 * MEDIA_LIMIT)
    made["original over the media limit"] = (
        write_archive(out / "big.zip", data={"users": users, "videos": [video_row()]}, files={ORIGINAL: noise},
                      compress=False), "refused: more than the 8.0 MiB")
    lying = write_archive(out / "lying.zip", data={"users": users, "videos": [video_row()]},
                          files={ORIGINAL: noise}, compress=False)
    made["original that lies about its size"] = (declare_size(lying, ORIGINAL, 1 << 20), "refused: is damaged")
    # TikTok exports go through the same reader: a deflated bomb, a JSON at the member cap, and a real
    # layout just under what parsing may take (parsed, imported: no video in it).
    chunks, _ = small_objects(Limits().max_member_bytes)
    made["tiktok deflated json"] = (_tiktok(out / "tiktok-deflated.zip", chunks), "refused: zip bomb")
    chunks, _ = small_objects(Limits().max_member_bytes - 64)
    made["tiktok json at the cap"] = (_tiktok(out / "tiktok-cap.zip", chunks, compress=False), "refused: would take")
    made["tiktok json at the budget"] = (_tiktok(out / "tiktok-budget.zip", [_browsing_history()], compress=False),
                                         "done")
    _are_what_they_claim(made)
    return made


def _tiktok(dst: Path, chunks: Iterable[bytes], *, compress: bool = True) -> Path:
    """A TikTok export whose user_data_tiktok.json is {"Activity": {"Browsing": <chunks>}}."""
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf, \
            zf.open("TikTok_Data/user_data_tiktok.json", "w", force_zip64=True) as out:
        out.write(b'{"Activity": {"Browsing": ')
        for chunk in chunks:
            out.write(chunk)
        out.write(b"}}")
    return dst


def _browsing_history() -> bytes:
    """A watch history as TikTok lists it, as long as parsing it whole may be (``parse_budget``)."""
    def entries(count: int) -> bytes:
        return json.dumps([{"Date": f"2023-01-01 10:{n % 60:02d}:00", "Link": f"https://www.tiktokv.com/share/video/"
                            f"72{n:017d}/"} for n in range(count)]).encode()
    sample = entries(1000)
    per_entry = (len(sample) + jsonread.parse_cost(sample)) / 1000
    data = entries(int((Limits().parse_budget - (1 << 20)) / per_entry))
    assert Limits().parse_budget - (2 << 20) < len(data) + jsonread.parse_cost(data) < Limits().parse_budget
    return data


def _are_what_they_claim(made: dict[str, tuple[Path, str]]) -> None:
    """Small zips that say they inflate far, files at their caps: the refusals are about what they hold."""
    with zipfile.ZipFile(made["deflated json"][0]) as zf:
        assert (64 << 20) - 8 < zf.getinfo("data/videos.json").file_size <= 64 << 20
    assert made["deflated json"][0].stat().st_size < 200 * KIB
    with zipfile.ZipFile(made["zeros original"][0]) as zf:
        assert zf.getinfo(ORIGINAL).file_size == 1 << 30
    assert made["zeros original"][0].stat().st_size < 2 << 20
    with zipfile.ZipFile(made["json at the cap"][0]) as zf:
        assert DATA_MAX - RECORD_MAX < zf.getinfo("data/import_runs.json").file_size <= DATA_MAX
    with zipfile.ZipFile(made["manifest at the cap"][0]) as zf:
        assert MANIFEST_MAX - 8 * KIB < zf.getinfo("manifest.json").file_size <= MANIFEST_MAX


@dataclass
class Child:
    outcome: dict[str, Any]
    peak_rss_mib: float
    peak_tmp_bytes: int


def _bytes_under(folder: Path) -> int:
    total = 0
    for base, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except FileNotFoundError:  # deleted while counting
                pass
    return total


def _import_in_child(archive: Path, mode: str, work: Path) -> Child:
    tmp = work / "tmp"
    tmp.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVRE_")}
    env.update(TMPDIR=str(tmp), HAVRE_MAX_UPLOAD_BYTES=str(MEDIA_LIMIT), HAVRE_TEST_ADDRESS_SPACE=str(8 << 30))
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _bytes_under(tmp))

    sampler = threading.Thread(target=sample)
    with open(work / "out.txt", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.imports.import_child", str(work / "data"),
                                 str(archive), mode], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler.start()
        try:
            proc.wait(timeout=240)
        finally:
            done.set()
            sampler.join()
    text = (work / "out.txt").read_text()
    assert proc.returncode == 0, text[-3000:]
    outcome = json.loads(text.strip().splitlines()[-1])
    return Child(outcome=outcome, peak_rss_mib=outcome.pop("peak_rss_kib") / 1024, peak_tmp_bytes=peak[0])


HAVRE_BOMBS = ["deflated json", "json at the cap", "manifest at the cap", "zeros original",
               "original over the media limit", "original that lies about its size"]
TIKTOK_BOMBS = ["tiktok deflated json", "tiktok json at the cap", "tiktok json at the budget"]


@pytest.mark.slow
@pytest.mark.parametrize(("bomb", "mode"), [(bomb, mode) for bomb in HAVRE_BOMBS for mode in ("cli", "page")]
                         + [(bomb, "page") for bomb in TIKTOK_BOMBS])  # the CLI's TikTok path: test_export_parsing
def test_no_archive_takes_the_importer_over_300_mb_or_fills_the_disk(
        bombs: dict[str, tuple[Path, str]], tmp_path: Path, bomb: str, mode: str) -> None:
    archive, expected = bombs[bomb]
    child = _import_in_child(archive, mode, tmp_path)
    print(f"{bomb} ({mode}, {archive.stat().st_size / 2**20:.1f} MiB zip): peak {child.peak_rss_mib:.0f} MiB, "
          f"temp {child.peak_tmp_bytes / 2**20:.1f} MiB, {child.outcome}")
    assert child.peak_rss_mib < PEAK_RSS_MIB
    # The page's job downloads the upload into the temp folder; nothing is ever extracted from a bomb.
    allowed = archive.stat().st_size + 64 * KIB if mode == "page" else 64 * KIB
    assert child.peak_tmp_bytes <= allowed
    outcome = child.outcome
    assert outcome["videos"] == 0 and outcome["kept"] == []  # no video, and the upload is not kept
    uploads = tmp_path / "data" / "media" / "imports"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]
    if expected == "done":
        assert outcome["status"] == "done", outcome
        return
    assert outcome["status"] == ("refused" if mode == "cli" else "failed"), outcome
    assert expected.removeprefix("refused: ") in outcome["error"]
    assert any(name in outcome["error"] for name in (archive.name, "manifest.json", "user_data_tiktok.json"))
