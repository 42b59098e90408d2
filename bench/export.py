"""Does "Download my data" keep memory flat, whatever the size of the videos?

    .venv/bin/python bench/export.py [--sizes 100,1000] [--file-mb 20] [--repeat 3]

For each size (MB of original uploads), a fresh embedded instance holds one member with videos whose
originals are random bytes put straight into the blob store (rows inserted, nothing transcoded).
Measured side by side in one run, each side in its own child process (started by a small wrapper,
so the peak RSS is that process's own: ``getrusage(RUSAGE_CHILDREN)`` of the wrapper):
  1. Havre: ``havre export --user bench --out FILE.zip`` (rows as JSON, every file hashed as it streams
     into the zip), and the archive is then checked with ``havre.imports.havre_archive.verify``;
  2. baseline: a plain ``zipfile`` copy of the same originals (ZIP_STORED, ``shutil.copyfileobj``),
     then a SHA-256 of each (what ``sha256sum`` does): the least that makes the same verifiable bytes.
Each side runs ``--repeat`` times, alternating, each after ``sync`` (so neither pays for the other's
writes). Prints peak RSS and wall time of each, the ratio of times, the export's fixed cost (an account without
videos), how much each peak grew between sizes, and the time per extra GB (where fixed costs cancel out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CHUNK = 1 << 20
# Runs the command given, then prints its peak RSS (KiB) and wall time. Kept tiny: the wrapper's own
# RSS at the moment it starts the child is a floor under what the child can report.
WRAPPER = ("import json, resource, subprocess, sys, time\n"
           "t = time.perf_counter()\n"
           "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "wall = time.perf_counter() - t\n"
           "print(json.dumps({'rc': rc, 'wall_s': wall,"
           " 'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rc"]:
        raise SystemExit(f"{cmd[:4]} failed ({result['rc']}): {done.stderr[-2000:]}")
    return result


def baseline(out: Path, sources: list[Path]) -> None:
    """The child of the baseline side: zip the files as they are, then hash each."""
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for i, src in enumerate(sources):
            info = zipfile.ZipInfo(f"files/videos/{i}/original.mp4")
            info.compress_type = zipfile.ZIP_STORED
            with open(src, "rb") as f, zf.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(f, dst, CHUNK)
    for src in sources:
        digest = hashlib.sha256()
        with open(src, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)


def build(data_dir: Path, total_mb: int, file_mb: int) -> list[Path]:
    """An instance at ``data_dir`` whose member @bench has ``total_mb`` of originals; returns their files."""
    # deferred: the wrapper and the baseline child run this module without Havre (their RSS is the point)
    sys.path.insert(0, str(ROOT))
    from instance import open_instance

    from havre.blobs import keys
    from havre.blobs.local import LocalBlobStore
    from havre.db.base import new_id, utcnow
    from havre.videos.models import READY, Video

    instance = open_instance(data_dir)
    region = instance.regions.default
    owner = instance.creator("bench")
    store = region.blobs
    assert isinstance(store, LocalBlobStore), "the bench reads the originals from a local store"
    paths, now = [], utcnow()
    with region.session() as s:
        for i in range(total_mb // file_mb):
            video_id, data = new_id(), os.urandom(file_mb << 20)
            key = keys.original(video_id)
            store.put_bytes(key, data)
            s.add(Video(id=video_id, owner_id=owner.id, caption=f"clip {i} #bench", status=READY, original_key=key,
                        original_sha256=hashlib.sha256(data).hexdigest(), original_name=f"clip{i}.mp4",
                        size_bytes=len(data), posted_at=now))
            paths.append(store.root / key)
        s.commit()
    instance.close()
    return paths


def run_size(total_mb: int, file_mb: int, repeat: int) -> dict[str, float]:
    # deferred: see ``build``
    from havre.imports.havre_archive import verify

    with tempfile.TemporaryDirectory(prefix="havre-bench-export-") as name:
        tmp = Path(name)
        sources = build(tmp / "data", total_mb, file_mb)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HAVRE_")} | {
            "HAVRE_DATA_DIR": str(tmp / "data")}
        out, plain_out = tmp / "bench.zip", tmp / "plain.zip"
        export = [sys.executable, "-m", "havre", "export", "--user", "bench", "--out", str(out), "--json"]
        plain_cmd = [sys.executable, str(Path(__file__).resolve()), "baseline", str(plain_out), *map(str, sources)]
        havre, plain = [], []
        for _ in range(repeat):  # alternating, each after the disk has written out what came before
            os.sync()
            plain.append(measure(plain_cmd))
            plain_out.unlink()
            os.sync()
            havre.append(measure(export, env=env))
        archive = verify(out)
        members = sum(1 for e in archive.manifest["files"] if "/original" in e["path"])
        archive.close()
        assert members == len(sources), (members, len(sources))
        return {"mb": sum(p.stat().st_size for p in sources) / 1e6, "zip_mb": out.stat().st_size / 1e6,
                "havre_kib": max(r["peak_kib"] for r in havre), "havre_s": min(r["wall_s"] for r in havre),
                "plain_kib": max(r["peak_kib"] for r in plain), "plain_s": min(r["wall_s"] for r in plain)}


def main() -> None:
    if sys.argv[1:2] == ["baseline"]:
        baseline(Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000", help="MB of originals, comma-separated")
    parser.add_argument("--file-mb", type=int, default=20, help="MB per original")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side: the best time, the highest peak")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    need = 2.2 * max(sizes) * 1e6
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < need:
        raise SystemExit(f"{tempfile.gettempdir()} has {free / 1e9:.1f} GB free; this run needs {need / 1e9:.1f}")
    floor = measure([sys.executable, "-c", "pass"])
    empty = run_size(0, args.file_mb, args.repeat)  # the fixed cost: start Python and Havre, write the rows, no files
    rows = [run_size(size, args.file_mb, args.repeat) for size in sizes]
    print(f"havre export vs a plain zip copy + sha256 of the same originals ({args.file_mb} MB each), peak RSS "
          f"of each process (a bare `python -c pass` measures {floor['peak_kib'] / 1024:.0f} MiB)")
    print(f"  an account without videos: export {empty['havre_kib'] / 1024:.0f} MiB, {empty['havre_s']:.1f} s "
          "(starting Python and Havre, the rows, the manifest)")
    print(f"  {'originals':>10}  {'zip':>9}  {'export RSS':>10}  {'baseline RSS':>12}  {'export':>8}  "
          f"{'baseline':>8}  {'time ratio':>10}")
    for r in rows:
        print(f"  {r['mb']:7.0f} MB  {r['zip_mb']:6.0f} MB  {r['havre_kib'] / 1024:6.0f} MiB  "
              f"{r['plain_kib'] / 1024:8.0f} MiB  {r['havre_s']:6.1f} s  {r['plain_s']:6.1f} s  "
              f"{r['havre_s'] / r['plain_s']:9.2f}x")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"  peak RSS growth from {first['mb']:.0f} MB to {last['mb']:.0f} MB of originals: export "
              f"{(last['havre_kib'] - first['havre_kib']) / 1024:+.1f} MiB, baseline "
              f"{(last['plain_kib'] - first['plain_kib']) / 1024:+.1f} MiB")
        gb = (last["mb"] - first["mb"]) / 1000
        ours, plain = (last["havre_s"] - first["havre_s"]) / gb, (last["plain_s"] - first["plain_s"]) / gb
        print(f"  time per extra GB (the fixed costs cancel out): export {ours:.1f} s, baseline {plain:.1f} s, "
              f"ratio {ours / plain:.2f}x")
    print("  every archive verified (havre.imports.havre_archive.verify)")


if __name__ == "__main__":
    main()
