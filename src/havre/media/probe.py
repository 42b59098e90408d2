"""Probe a video safely: sniff the container ourselves, then let PyAV parse it in a subprocess.

Run as ``python -m havre.media.probe FILE`` the module prints the probe as JSON; the parent
applies memory and time limits, so a hostile file can at worst kill that child.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from havre.errors import N_
from havre.media.errors import MediaRejected
from havre.media.ffmpeg import limited

MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
REMUX_VIDEO = {"h264"}
REMUX_AUDIO = {"aac", None}
MIN_SIDE = 64  # smaller frames are not a video anyone can watch, and break the even-sized ladder


@dataclass(frozen=True)
class ProbeResult:
    container: str        # "mp4" or "matroska"
    video_codec: str
    audio_codec: str | None
    width: int            # as displayed (rotation applied)
    height: int
    duration_s: float
    rotation: int
    size_bytes: int
    has_audio: bool
    fps: float


def sniff_container(path: Path) -> str:
    """Decide the demuxer from the first bytes; anything not MP4/MOV or Matroska/WebM is refused."""
    with open(path, "rb") as f:
        head = f.read(64)
    if len(head) >= 8 and head[4:8] in MP4_BOXES:
        return "mp4"
    if head.startswith(EBML_MAGIC):
        return "matroska"
    if head.lstrip().startswith(b"#EXTM3U"):
        raise MediaRejected(N_("This file is a playlist, not a video we accept; upload an MP4, MOV or WebM file."),
                            code="container")
    raise MediaRejected(N_("This file is in an unsupported format; upload an MP4, MOV or WebM file."),
                        code="container")


def _probe_in_child(path: Path) -> dict[str, Any]:
    import av  # in the sandboxed child only: the server never loads FFmpeg's libraries itself

    demuxer = "mov" if sniff_container(path) == "mp4" else "matroska"
    # Forcing the demuxer means content can never select HLS, concat or any network protocol.
    with av.open(str(path), format=demuxer, options={"protocol_whitelist": "file"}) as container:
        if not container.streams.video:
            return {"error": "no_video"}
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frame = next(container.decode(video=0))  # proves the video actually decodes
        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
        width, height = frame.width, frame.height
        if rotation in (90, 270):
            width, height = height, width
        duration = (container.duration or 0) / 1_000_000
        if not duration and video.duration and video.time_base:
            duration = float(video.duration * video.time_base)
        rate = video.average_rate or video.guessed_rate
        return {"container": "mp4" if demuxer == "mov" else "matroska", "video_codec": video.codec_context.name,
                "audio_codec": audio.codec_context.name if audio else None, "width": width, "height": height,
                "duration_s": round(duration, 3), "rotation": rotation, "size_bytes": path.stat().st_size,
                "has_audio": audio is not None, "fps": float(rate) if rate else 0.0}


def probe(path: Path, *, timeout_s: float = 30, memory_bytes: int = 1 << 30) -> ProbeResult:
    sniff_container(path)
    try:
        out = subprocess.run(limited([sys.executable, "-m", "havre.media.probe", str(path)],
                                     memory_bytes=memory_bytes, cpu_s=int(timeout_s) + 5),
                             capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise MediaRejected(N_("Reading this file took too long; it may be damaged. Try exporting it again."),
                            code="timeout") from None
    try:
        data = json.loads(out.stdout)
    except json.JSONDecodeError:
        data = {"error": "corrupt"}
    if data.get("error") == "no_video":
        raise MediaRejected(N_("This file has no video track; upload a video."), code="no_video")
    if "error" in data or out.returncode != 0:
        raise MediaRejected(N_("This file is damaged or incomplete (it could not be read as a video); "
                               "try exporting or downloading it again."), code="corrupt")
    return ProbeResult(**data)


def check_limits(p: ProbeResult, *, max_bytes: int, max_duration_s: float, max_pixels: int) -> None:
    if p.size_bytes > max_bytes:
        raise MediaRejected(N_("The file is %(size)s MiB; the limit is %(limit)s MiB."), code="too_large",
                            size=p.size_bytes // 2**20, limit=max_bytes // 2**20)
    if p.duration_s > max_duration_s:
        raise MediaRejected(N_("The video lasts %(seconds)s s; the limit is %(limit)s s. Trim it and upload again."),
                            code="too_long", seconds=round(p.duration_s), limit=round(max_duration_s))
    if p.duration_s <= 0:
        raise MediaRejected(N_("The video has no duration; it may be damaged."), code="corrupt")
    if min(p.width, p.height) < MIN_SIDE:
        raise MediaRejected(N_("The video is %(width)sx%(height)s; videos need at least %(min)s pixels on each side."),
                            code="too_small", width=p.width, height=p.height, min=MIN_SIDE)
    if p.width * p.height > max_pixels:
        raise MediaRejected(N_("The video is %(width)sx%(height)s; the largest accepted frame has %(max)s pixels "
                               "(4K). Export it at a lower resolution."), code="too_many_pixels",
                            width=p.width, height=p.height, max=f"{max_pixels:,}")


def can_remux(p: ProbeResult) -> bool:
    """Playable in every browser as it is: H.264 (+AAC) up to 1080p, so copy instead of encode."""
    long_side, short_side = max(p.width, p.height), min(p.width, p.height)
    return (p.video_codec in REMUX_VIDEO and p.audio_codec in REMUX_AUDIO
            and long_side <= 1920 and short_side <= 1080 and p.rotation == 0)


def _main(argv: list[str]) -> int:
    try:
        result = _probe_in_child(Path(argv[1]))
    except MediaRejected:
        result = {"error": "container"}
    except Exception as exc:  # noqa: BLE001 - any parse failure means "corrupt" to the parent
        result = {"error": "corrupt", "detail": str(exc)[:200]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
