"""Derived files: a faststart remux, the H.264/AAC rendition ladder with HLS, a poster.

Every output drops the input's metadata and chapters (GPS, device make/model, names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from havre.media.ffmpeg import run_ffmpeg
from havre.media.probe import ProbeResult

STRIP = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
SEGMENT_S = 2
OVERRUN_S = 1.0  # read this much past the duration limit, so an over-long file shows itself


@dataclass(frozen=True)
class RenditionSpec:
    short_side: int       # 720 means 720x1280 for a vertical video, 1280x720 for a landscape one
    video_kbps: int
    audio_kbps: int


@dataclass(frozen=True)
class RenditionFile:
    name: str             # "720p"
    width: int
    height: int
    bitrate_kbps: int
    mp4: Path
    playlist: Path
    segments: list[Path]


def _kbps(short_side: int) -> int:
    return {720: 2200, 480: 1100, 360: 700}.get(short_side, max(300, short_side * 3))


def plan_ladder(p: ProbeResult) -> list[RenditionSpec]:
    """720p and 480p (never upscaled), 360p too for sources of 720p and more; best first."""
    short = min(p.width, p.height)
    targets = [720, 480] + ([360] if short >= 720 else [])
    sides = sorted({min(t, short - short % 2) for t in targets}, reverse=True)
    return [RenditionSpec(short_side=s, video_kbps=_kbps(s), audio_kbps=128 if s >= 480 else 96) for s in sides]


def output_size(p: ProbeResult, short_side: int) -> tuple[int, int]:
    def even(x: float) -> int:
        return max(2, int(round(x / 2)) * 2)

    if p.width <= p.height:
        return short_side, even(p.height * short_side / p.width)
    return even(p.width * short_side / p.height), short_side


def read_at_most(max_duration_s: float | None) -> list[str]:
    """Input options that stop decoding just past the duration limit, whatever the header claimed
    (a file can say 5 s and hold 700): the caller then checks the output's real length."""
    return [] if max_duration_s is None else ["-t", f"{max_duration_s + OVERRUN_S:.3f}"]


def remux_faststart(src: Path, dst: Path, *, timeout_s: float, max_duration_s: float | None = None) -> None:
    """Copy the streams into an MP4 whose index comes first (plays before it fully downloads)."""
    run_ffmpeg([*read_at_most(max_duration_s), "-i", str(src), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                "-sn", "-dn", *STRIP, "-movflags", "+faststart", "-f", "mp4", "-y", str(dst)], timeout_s=timeout_s)


def build_ladder(src: Path, out_dir: Path, p: ProbeResult, *, timeout_s: float,
                 progress: Callable[[float], None] | None = None,
                 max_duration_s: float | None = None) -> list[RenditionFile]:
    """One ffmpeg decode feeding every rendition (split + scale), then HLS segments by copy."""
    specs = plan_ladder(p)
    labels = "".join(f"[s{i}]" for i in range(len(specs)))
    graph = [f"[0:v]split={len(specs)}{labels}"]
    outputs: list[str] = []
    files = []
    for i, spec in enumerate(specs):
        width, height = output_size(p, spec.short_side)
        graph.append(f"[s{i}]scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[v{i}]")
        mp4 = out_dir / f"{spec.short_side}p.mp4"
        outputs += ["-map", f"[v{i}]", "-map", "0:a:0?",
                    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
                    "-b:v", f"{spec.video_kbps}k", "-maxrate", f"{int(spec.video_kbps * 1.5)}k",
                    "-bufsize", f"{spec.video_kbps * 2}k",
                    # Keyframes every 2 s in every rendition: segments align, players switch cleanly.
                    "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_S})", "-sc_threshold", "0",
                    "-c:a", "aac", "-b:a", f"{spec.audio_kbps}k", "-ac", "2", "-ar", "44100",
                    *STRIP, "-movflags", "+faststart", "-y", str(mp4)]
        files.append((spec, width, height, mp4))
    run_ffmpeg([*read_at_most(max_duration_s), "-i", str(src), "-filter_complex", ";".join(graph), *outputs],
               timeout_s=timeout_s, progress=progress, duration_s=p.duration_s)
    renditions = []
    for spec, width, height, mp4 in files:
        folder = out_dir / f"{spec.short_side}p"
        folder.mkdir(exist_ok=True)
        playlist = folder / "index.m3u8"
        run_ffmpeg(["-i", str(mp4), "-map", "0", "-c", "copy", *STRIP, "-f", "hls",
                    "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
                    "-hls_segment_filename", str(folder / "seg%03d.ts"), "-y", str(playlist)],
                   timeout_s=timeout_s)
        renditions.append(RenditionFile(
            name=f"{spec.short_side}p", width=width, height=height, bitrate_kbps=spec.video_kbps + spec.audio_kbps,
            mp4=mp4, playlist=playlist, segments=sorted(folder.glob("seg*.ts"))))
    return renditions


def write_master_playlist(renditions: list[RenditionFile], path: Path, *,
                          uri_for: Callable[[RenditionFile], str]) -> None:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in renditions:
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={r.bitrate_kbps * 1000},RESOLUTION={r.width}x{r.height},'
                     f'CODECS="avc1.640028,mp4a.40.2"')
        lines.append(uri_for(r))
    path.write_text("\n".join(lines) + "\n")


# A copied cut starts at the keyframe at or before the asked start; up to this much earlier is
# kept as it is (no re-encode), further and the kept part is re-encoded to start where asked.
SNAP_S = 0.5


def trim(src: Path, dst: Path, p: ProbeResult, *, start_s: float, end_s: float, timeout_s: float,
         probe: Callable[[Path], ProbeResult]) -> ProbeResult:
    """Keep ``start_s``..``end_s`` of ``src`` in ``dst`` and return its probe.

    Stream copy first (no re-encode): the end is cut at the asked time, the start at the keyframe
    at or before it. When that keyframe lies more than ``SNAP_S`` before the asked start, the kept
    part is re-encoded (H.264/AAC) so that it starts where asked (docs/media.md, "Trim").
    """
    seek = ["-ss", f"{start_s:.3f}"] if start_s > 0 else []
    keep = ["-t", f"{end_s - start_s:.3f}", "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn"]
    fmt = "mp4" if p.container == "mp4" else "matroska"
    run_ffmpeg([*seek, "-i", str(src), *keep, "-c", "copy", "-avoid_negative_ts", "make_zero", *STRIP,
                "-f", fmt, "-y", str(dst)], timeout_s=timeout_s)
    cut = probe(dst)
    kept_from = end_s - cut.duration_s  # the keyframe the copy started at
    if start_s - kept_from <= SNAP_S:
        return cut
    run_ffmpeg([*seek, "-i", str(src), *keep, "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", *STRIP, "-movflags", "+faststart",
                "-f", "mp4", "-y", str(dst)], timeout_s=timeout_s)
    return probe(dst)


def make_poster(src: Path, dst: Path, p: ProbeResult, *, timeout_s: float, at_s: float | None = None) -> None:
    """A JPEG of the frame at ``at_s`` (the owner's cover), else at 1 s (or mid-way in a shorter clip)."""
    at = min(1.0, p.duration_s / 2) if at_s is None else max(0.0, min(at_s, p.duration_s - 0.05))
    width, height = output_size(p, min(720, min(p.width, p.height)))
    run_ffmpeg(["-ss", f"{at:.3f}", "-i", str(src), "-frames:v", "1", "-vf", f"scale={width}:{height}",
                "-q:v", "3", *STRIP, "-y", str(dst)], timeout_s=timeout_s)
