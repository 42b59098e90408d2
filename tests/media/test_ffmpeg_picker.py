"""The ffmpeg picker chooses a binary by what it can do, not by where it lives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from havre.media import ffmpeg

# What `ffmpeg -h full` and `ffmpeg -encoders` print, trimmed to what the picker reads.
WEAK_HELP = "-display_hflip  set display horizontal flip\n-vf <filter_graph>  set video filters\n"
STRONG_HELP = WEAK_HELP + "-display_rotation[:<stream_spec>] <angle>  set pure counter-clockwise rotation\n"
ENCODERS = " V....D libx264              libx264 H.264\n A....D aac                  AAC\n"


def fake_ffmpeg(folder: Path, help_text: str) -> Path:
    """An executable named ffmpeg answering the picker's probes like a real build would."""
    folder.mkdir()
    (folder / "help.txt").write_text(help_text)
    (folder / "encoders.txt").write_text(ENCODERS)
    script = folder / "ffmpeg"
    script.write_text(f"""#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    full) cat '{folder}/help.txt'; exit 0 ;;
    -encoders) cat '{folder}/encoders.txt'; exit 0 ;;
  esac
done
exit 1
""")
    script.chmod(0o755)
    return script


@pytest.fixture
def fresh_picker() -> Iterator[None]:
    """Forget earlier choices before and after, so other tests pick the real binary again."""
    ffmpeg.ffmpeg_path.cache_clear()
    ffmpeg.missing_capabilities.cache_clear()
    yield
    ffmpeg.ffmpeg_path.cache_clear()
    ffmpeg.missing_capabilities.cache_clear()


def test_a_system_ffmpeg_lacking_an_option_we_use_is_not_chosen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_picker: None) -> None:
    weak = fake_ffmpeg(tmp_path / "weak", WEAK_HELP)  # like Debian 12's ffmpeg 5.1
    monkeypatch.setenv("PATH", f"{weak.parent}:/usr/bin:/bin")
    assert ffmpeg.missing_capabilities(str(weak)) == ("-display_rotation",)
    assert ffmpeg.ffmpeg_path() == imageio_ffmpeg.get_ffmpeg_exe()


def test_a_capable_system_ffmpeg_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              fresh_picker: None) -> None:
    strong = fake_ffmpeg(tmp_path / "strong", STRONG_HELP)
    monkeypatch.setenv("PATH", f"{strong.parent}:/usr/bin:/bin")
    assert ffmpeg.ffmpeg_path() == str(strong)


def test_a_binary_that_does_not_run_lacks_everything(tmp_path: Path, fresh_picker: None) -> None:
    assert ffmpeg.missing_capabilities(str(tmp_path / "nothing-here")) == (
        *ffmpeg.REQUIRED_OPTIONS, *ffmpeg.REQUIRED_ENCODERS)


def test_the_chosen_ffmpeg_can_do_everything_we_ask(fresh_picker: None) -> None:
    # With Debian's ffmpeg 5.1 installed (scripts/test.sh installs it), this is imageio-ffmpeg's.
    assert ffmpeg.missing_capabilities(ffmpeg.ffmpeg_path()) == ()
