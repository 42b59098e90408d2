"""What does a whole-archive import cost, next to the least anyone could do with the same files?

    .venv/bin/python bench/import.py [--count 200] [--workers 3]

A local HTTP server stands in for TikTok's CDN and serves ``--count`` short clips (each a little
different, as real posts are). Measured side by side in one run, each side in its own child
process (so its peak memory is its own):
  1. Havre: `havre import tiktok` on an export listing every clip (parse, download with bounded
     concurrency, sandboxed probe, dedupe by hash, store the original, queue processing), then the
     remux that makes each one playable;
  2. baseline: download the same bytes with the same number of threads, then `ffmpeg -c copy`.
Prints wall time and peak RSS of each Python process (helpers such as ffmpeg not counted), and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def serve(clips: dict[str, bytes]) -> str:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = clips.get(self.path.lstrip("/"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def havre_side(url: str, count: int, workers: int, tmp: Path) -> None:
    from havre.accounts import signin
    from havre.commands import import_tiktok, process_jobs
    from havre.config import load_settings
    from havre.db.migrate import upgrade
    from havre.regions import open_regions

    settings = load_settings(data_dir=tmp / "data")
    regions = open_regions(settings)
    for region in regions:
        upgrade(region.engine)
    signin.sign_up(regions, handle="bench", password="benchmark-pw", open_session=False)
    regions.close()
    posts = [{"Date": f"2021-01-01 00:{i // 60:02d}:{i % 60:02d}", "Link": f"{url}/c{i}.mp4", "Title": f"clip {i}"}
             for i in range(count)]
    export = tmp / "export.zip"
    with zipfile.ZipFile(export, "w") as z:
        z.writestr("user_data_tiktok.json", json.dumps({"Post": {"Posts": {"VideoList": posts}}}))
    report = import_tiktok(settings, handle="bench", source=str(export), workers=workers)
    assert len(report["imported"]) == count, report["failed"][:3]
    process_jobs(settings, kinds={"videos.process"})


def baseline_side(url: str, count: int, workers: int, tmp: Path) -> None:
    import httpx

    from havre.media.ffmpeg import ffmpeg_path

    def one(i: int) -> None:
        src, dst = tmp / f"c{i}.mp4", tmp / f"p{i}.mp4"
        with httpx.stream("GET", f"{url}/c{i}.mp4") as r, open(src, "wb") as f:
            for block in r.iter_bytes(1 << 16):
                f.write(block)
        subprocess.run([ffmpeg_path(), "-loglevel", "error", "-i", str(src), "-c", "copy",
                        "-movflags", "+faststart", "-y", str(dst)], check=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(count)))


def child(side: str, url: str, count: int, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"havre-bench-{side}-") as tmp:
        start = time.perf_counter()
        (havre_side if side == "havre" else baseline_side)(url, count, workers, Path(tmp))
        wall = time.perf_counter() - start
    print(json.dumps({"wall_s": wall, "peak_rss_mib": _peak_rss_kib() / 1024}))


def _peak_rss_kib() -> int:
    # VmHWM starts afresh at exec (ru_maxrss would carry the parent's peak over); Linux only.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.count, args.workers)
        return
    from havre.media import synth

    with tempfile.TemporaryDirectory(prefix="havre-bench-") as tmp:
        clip = synth.make_clip(Path(tmp) / "clip.mp4", seconds=3, width=360, height=640, seed=3).read_bytes()
    # Different bytes per post (a trailing free box), as real posts differ: no dedupe shortcut.
    clips = {f"c{i}.mp4": clip + (8 + 8).to_bytes(4, "big") + b"free" + i.to_bytes(8, "big") for i in range(args.count)}
    url = serve(clips)
    results = {}
    for side in ("baseline", "havre"):
        out = subprocess.run([sys.executable, __file__, "--count", str(args.count), "--workers", str(args.workers),
                              "--child", side, url], capture_output=True, text=True, env={**os.environ})
        if out.returncode != 0:
            raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
        results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    h, b = results["havre"], results["baseline"]
    print(f"{args.count} clips of {len(clip) // 1024} KiB, {args.workers} downloads at once")
    print(f"  plain download + ffmpeg remux : {b['wall_s']:7.1f} s   peak RSS {b['peak_rss_mib']:6.0f} MiB")
    print(f"  havre import tiktok + publish : {h['wall_s']:7.1f} s   peak RSS {h['peak_rss_mib']:6.0f} MiB")
    print(f"  ratio (havre / baseline)      : {h['wall_s'] / b['wall_s']:7.2f}x time, "
          f"{h['peak_rss_mib'] / b['peak_rss_mib']:.2f}x memory; {h['wall_s'] / args.count:.2f} s per clip")


if __name__ == "__main__":
    main()
