"""Generated clips (the demo's videos) keep burned text away from what the player draws on top."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from havre.demo import CAPTIONS
from havre.media import synth


def first_frame(path: Path) -> list[bytes]:
    """The first frame's RGB rows (3 bytes a pixel)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).reformat(format="rgb24")
        plane = frame.planes[0]
        data = bytes(plane)
        return [data[y * plane.line_size:y * plane.line_size + frame.width * 3] for y in range(frame.height)]


def changed(a: list[bytes], b: list[bytes], *, x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """Pixels (x, y) in the box [x0, x1) x [y0, y1) that differ between two frames."""
    return [(x, y) for y in range(y0, y1) for x in range(x0, x1) if a[y][3 * x:3 * x + 3] != b[y][3 * x:3 * x + 3]]


@pytest.mark.skipif(synth._font() is None, reason="this ffmpeg cannot burn text (no drawtext or no font)")
def test_burned_text_stays_out_of_the_action_rail_and_the_caption_band(tmp_path: Path) -> None:
    width, height = 540, 960  # the demo's size
    text = max((c.split("#")[0].strip() for c in CAPTIONS), key=len)  # as the demo burns them
    # Lossless and a deterministic pattern (seed 0: testsrc2), so any difference from the plain
    # background is the text and nothing else.
    common = {"seconds": 0.2, "width": width, "height": height, "seed": 0, "codec": "ffv1",
              "container": "matroska", "audio": False}
    plain = first_frame(synth.make_clip(tmp_path / "plain.mkv", **common))  # type: ignore[arg-type]
    burned = first_frame(synth.make_clip(tmp_path / "text.mkv", text=text, **common))  # type: ignore[arg-type]
    assert changed(plain, burned, x0=0, y0=0, x1=width, y1=height), "no text was burned at all"
    rail = changed(plain, burned, x0=int(width * 0.8), y0=0, x1=width, y1=height)
    bottom = changed(plain, burned, x0=0, y0=int(height * 0.75), x1=width, y1=height)
    assert rail == [], f"text in the right-hand rail (the like button's place) at {rail[:5]}"
    assert bottom == [], f"text in the bottom band (the caption's place) at {bottom[:5]}"


def test_a_caption_too_long_for_the_frame_is_wrapped_then_shortened_never_spilled() -> None:
    for text in ("x" * 200, "a few words " * 30, "Short"):
        wrapped, size = synth._fit(text, 360)
        lines = wrapped.split("\n")
        assert len(lines) <= 3
        assert all(len(line) * size * synth._CHAR_W <= 360 * synth.TEXT_AREA_W for line in lines)
    assert synth._fit("x" * 200, 360)[0].endswith("\u2026")
