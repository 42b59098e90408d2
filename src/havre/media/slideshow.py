"""Turn a TikTok photo post (several images) into a short vertical video, in the ffmpeg sandbox."""

from __future__ import annotations

from pathlib import Path

from havre.media.ffmpeg import run_ffmpeg
from havre.media.transcode import STRIP

WIDTH, HEIGHT, SECONDS_EACH = 720, 1280, 3.0


def make_slideshow(images: list[Path], dst: Path, *, timeout_s: float, seconds_each: float = SECONDS_EACH) -> Path:
    """An H.264/AAC MP4 showing each image for ``seconds_each`` seconds (letterboxed, silent)."""
    args: list[str] = []
    for image in images:
        args += ["-loop", "1", "-t", f"{seconds_each}", "-i", str(image)]
    args += ["-f", "lavfi", "-t", f"{seconds_each * len(images)}", "-i", "anullsrc=r=44100:cl=stereo"]
    fit = (f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
           f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p")
    chains = ";".join(f"[{i}:v]{fit}[v{i}]" for i in range(len(images)))
    joined = "".join(f"[v{i}]" for i in range(len(images)))
    graph = f"{chains};{joined}concat=n={len(images)}:v=1:a=0[v]"
    run_ffmpeg([*args, "-filter_complex", graph, "-map", "[v]", "-map", f"{len(images)}:a",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-c:a", "aac", "-b:a", "64k",
                "-shortest", *STRIP, "-movflags", "+faststart", "-y", str(dst)], timeout_s=timeout_s)
    return dst
