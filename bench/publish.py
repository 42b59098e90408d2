"""How long from upload to playable, and how long the ladder takes, against raw ffmpeg.

    .venv/bin/python bench/publish.py [--runs 3] [--seconds 10]

Measured side by side in one run (absolute times on shared machines are noisy; ratios are not):
  1. instant publish: Havre's upload path (sandboxed probe + validation + store original +
     remux with faststart + poster + publish) vs a bare `ffmpeg -i in -c copy out.mp4`;
  2. ladder: Havre's build_ladder (one decode, every rendition, HLS segmenting) vs one raw
     ffmpeg command producing the same renditions as MP4 files.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from instance import open_instance  # noqa: E402

from havre.media import probe as media_probe  # noqa: E402
from havre.media import synth, transcode  # noqa: E402
from havre.media.ffmpeg import ffmpeg_path  # noqa: E402
from havre.videos import service as videos  # noqa: E402
from havre.workers.runner import JobRunner  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as tmp_name:
        tmp = Path(tmp_name)
        clip = synth.make_clip(tmp / "in.mp4", seconds=args.seconds, width=1080, height=1920, seed=3, text="bench")
        print(f"input: {args.seconds:.0f} s H.264/AAC 1080x1920, {clip.stat().st_size / 2**20:.1f} MiB; "
              f"median of {args.runs} runs")

        instance = open_instance(tmp / "data")
        settings, regions = instance.settings, instance.regions
        region = regions.default
        owner = instance.creator("bench")
        runner = JobRunner(regions=regions, settings=settings, kinds={"videos.process"})

        def havre_publish() -> None:
            videos.upload(region, regions.directory, owner, clip, limits=settings.media)
            assert runner.drain() == 1

        def raw_copy() -> None:
            subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-i", str(clip), "-c", "copy", str(tmp / "copy.mp4")],
                           check=True)

        ours, raw = timed(havre_publish, args.runs), timed(raw_copy, args.runs)
        print(f"upload -> playable   havre {ours:6.2f} s   ffmpeg -c copy {raw:6.2f} s   ratio {ours / raw:5.2f}x")

        probed = media_probe.probe(clip)
        specs = transcode.plan_ladder(probed)

        def havre_ladder() -> None:
            out = Path(tempfile.mkdtemp(dir=tmp))
            transcode.build_ladder(clip, out, probed, timeout_s=900)

        def raw_ladder() -> None:
            cmd = [ffmpeg_path(), "-v", "error", "-y", "-i", str(clip)]
            for spec in specs:
                w, h = transcode.output_size(probed, spec.short_side)
                cmd += ["-map", "0:v:0", "-map", "0:a:0", "-vf", f"scale={w}:{h}", "-c:v", "libx264",
                        "-preset", "veryfast", "-b:v", f"{spec.video_kbps}k", "-c:a", "aac",
                        "-b:a", f"{spec.audio_kbps}k", str(tmp / f"raw{spec.short_side}.mp4")]
            subprocess.run(cmd, check=True)

        ours, raw = timed(havre_ladder, args.runs), timed(raw_ladder, args.runs)
        names = ", ".join(f"{s.short_side}p" for s in specs)
        print(f"ladder ({names})   havre {ours:6.2f} s   raw ffmpeg {raw:6.2f} s   ratio {ours / raw:5.2f}x")
        regions.close()


if __name__ == "__main__":
    main()
