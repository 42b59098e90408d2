"""Generate short clips locally (demo content and test inputs): patterns, a tone, a caption."""

from __future__ import annotations

import functools
import subprocess
import textwrap
from pathlib import Path

from havre.media.ffmpeg import ffmpeg_path

PATTERNS = [
    "testsrc2=size={w}x{h}:rate=30",
    "mandelbrot=size={w}x{h}:rate=30:start_scale=2:end_scale=0.5",
    "life=size={w}x{h}:rate=30:mold=10:ratio=0.2:death_color=#1b0a3a:life_color=#ff3d7f",
    "cellauto=size={w}x{h}:rate=30:rule={seed}",
    "gradients=size={w}x{h}:rate=30:speed=0.02:seed={seed}",
]
FONT_CANDIDATES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]


@functools.cache
def _font() -> str | None:
    out = subprocess.run([ffmpeg_path(), "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    if " drawtext " not in out:
        return None
    return next((f for f in FONT_CANDIDATES if Path(f).exists()), None)


# Burned text keeps clear of what the player draws over a video: the action rail (like, comment,
# share counts) on the right ~20% of the frame and the caption and credits on the bottom ~25%.
# So it sits centred in the left 80%, in the upper middle, wrapped and sized to fit there.
TEXT_AREA_W = 0.8
TEXT_TOP = 0.3
_CHAR_W = 0.62  # DejaVu Sans Bold's mean advance per character, in ems


def _fit(text: str, width: int) -> tuple[str, int]:
    """The text wrapped on at most three lines (shortened if it still does not fit) and its font size."""
    room = width * TEXT_AREA_W * 0.85  # a margin each side, and the box drawn around the text
    smallest, largest = 12, width // 12
    for size in range(largest, smallest - 1, -2):
        per_line = int(room / (_CHAR_W * size))
        lines = textwrap.wrap(text, per_line)
        if len(lines) <= 3:
            return "\n".join(lines), size
    lines = textwrap.wrap(text, int(room / (_CHAR_W * smallest)), max_lines=3, placeholder="\u2026")
    return "\n".join(lines), smallest


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\u2019").replace("%", "\\%")


def make_clip(dst: Path, *, seconds: float = 2.0, width: int = 360, height: int = 640, seed: int = 0,
              text: str | None = None, codec: str = "h264", container: str = "mp4", gps: str | None = None,
              rotate: int | None = None, audio: bool = True) -> Path:
    pattern = PATTERNS[(seed + seed // len(PATTERNS)) % len(PATTERNS)].format(w=width, h=height, seed=30 + seed % 200)
    vf = [f"hue=h={(seed * 47) % 360}"]
    font = _font()
    if text and font:
        line, size = _fit(text, width)
        vf.append(f"drawtext=fontfile={font}:text='{_escape(line)}':fontcolor=white:fontsize={size}"
                  f":box=1:boxcolor=black@0.45:boxborderw={max(4, size // 3)}"
                  f":x=(w*{TEXT_AREA_W}-text_w)/2:y=h*{TEXT_TOP}")
    cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", pattern]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency={220 + (seed * 73) % 660}:sample_rate=44100"]
    cmd += ["-t", str(seconds), "-vf", ",".join(vf) + ",format=yuv420p"]
    if codec == "h264":
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "30"]
    elif codec == "vp9":
        cmd += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k"]
    else:
        cmd += ["-c:v", codec]
    if audio:
        cmd += ["-c:a", "libopus" if container == "webm" else "aac", "-b:a", "96k"]
    if gps:
        cmd += ["-metadata", f"location={gps}", "-metadata", "make=HavreTestPhone",
                "-movflags", "use_metadata_tags"]
    target = dst.with_suffix(".unrotated" + dst.suffix) if rotate is not None else dst
    cmd += ["-f", "webm" if container == "webm" else container, str(target)]
    subprocess.run(cmd, check=True)
    if rotate is not None:
        # Phones store portrait video as landscape frames plus a display rotation: do the same.
        subprocess.run([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-display_rotation:v:0",
                        str(rotate), "-i", str(target), "-c", "copy", str(dst)], check=True)
        target.unlink()
    return dst
