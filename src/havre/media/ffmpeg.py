"""Locate and run ffmpeg in a sandboxed subprocess (resource limits, file protocol only)."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import cast

import imageio_ffmpeg

from havre.errors import N_
from havre.media.errors import MediaError, MediaRejected

log = logging.getLogger(__name__)


# What Havre asks of ffmpeg. Debian 12's ffmpeg 5.1 lacks -display_rotation (ffmpeg 6+), which
# media/synth.py uses to make phone-style rotated clips, so the binary is chosen by what it can do.
REQUIRED_OPTIONS = ("-display_rotation",)
REQUIRED_ENCODERS = ("libx264", "aac")


def _output(binary: str, *args: str) -> str:
    try:
        return subprocess.run([binary, "-hide_banner", *args], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


@functools.cache
def missing_capabilities(binary: str) -> tuple[str, ...]:
    """What of REQUIRED_OPTIONS and REQUIRED_ENCODERS this binary lacks (all of it if it will not run)."""
    options = _output(binary, "-h", "full")
    encoders = {line.split()[1] for line in _output(binary, "-encoders").splitlines()
                if len(line.split()) > 1 and line.startswith(" ")}
    return (tuple(o for o in REQUIRED_OPTIONS if not re.search(rf"^{re.escape(o)}[\s\[]", options, re.M))
            + tuple(e for e in REQUIRED_ENCODERS if e not in encoders))


@functools.cache
def ffmpeg_path() -> str:
    """The system ffmpeg on PATH when it can do what Havre needs (probed once per process), else
    the static binary shipped by imageio-ffmpeg."""
    system = shutil.which("ffmpeg")
    if system:
        missing = missing_capabilities(system)
        if not missing:
            return system
        log.info("not using %s: it lacks %s; using imageio-ffmpeg's binary", system, ", ".join(missing))
    return cast(str, imageio_ffmpeg.get_ffmpeg_exe())


# Sets the limits, then becomes the command: a small interpreter without site-packages. The limits
# are not set by a ``preexec_fn``: that runs Python in the forked child of a threaded server, where
# objects other threads held are freed (a PyAV scaler there waited forever on its worker threads).
_LIMITED = ("import os, resource, sys; m, c = int(sys.argv[1]), int(sys.argv[2]); "
            "resource.setrlimit(resource.RLIMIT_AS, (m, m)); resource.setrlimit(resource.RLIMIT_CPU, (c, c)); "
            "resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); os.execv(sys.argv[3], sys.argv[3:])")


def limited(cmd: list[str], *, memory_bytes: int, cpu_s: int) -> list[str]:
    """``cmd`` run with at most ``memory_bytes`` of address space, ``cpu_s`` of CPU and no core file."""
    return [sys.executable, "-S", "-c", _LIMITED, str(memory_bytes), str(cpu_s), *cmd]


def run_ffmpeg(args: list[str], *, timeout_s: float, memory_bytes: int = 3 << 30,
               progress: Callable[[float], None] | None = None, duration_s: float | None = None) -> None:
    """Run ``ffmpeg ARGS`` with the file protocol only on inputs, limits, and a timeout.

    ``-protocol_whitelist file`` is inserted before every ``-i`` so an input can never make
    ffmpeg open a URL (an HLS playlist or concat list pointing at the network).
    """
    cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    if progress is not None:
        cmd += ["-progress", "pipe:1", "-nostats"]
    for arg in args:
        if arg == "-i":
            cmd += ["-protocol_whitelist", "file"]
        cmd.append(arg)
    cpu = int(timeout_s * 4) + 10  # CPU seconds across threads; the wall-clock timeout is the real cap
    proc = subprocess.Popen(limited(cmd, memory_bytes=memory_bytes, cpu_s=cpu),
                            stdout=subprocess.PIPE if progress else subprocess.DEVNULL, stderr=subprocess.PIPE)
    # A watchdog, because reading progress lines could otherwise wait forever on a stuck ffmpeg.
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        proc.kill()

    watchdog = threading.Timer(timeout_s, kill)
    watchdog.start()
    try:
        if progress is not None and proc.stdout is not None:
            for raw in proc.stdout:
                line = raw.decode(errors="replace").strip()
                if line.startswith("out_time_us=") and duration_s:
                    try:
                        progress(min(1.0, int(line.split("=", 1)[1]) / 1e6 / duration_s))
                    except ValueError:
                        pass
        _, stderr = proc.communicate()
    finally:
        watchdog.cancel()
    if fired.is_set():
        raise MediaRejected(N_("Processing took longer than %(seconds)s s and was stopped; "
                               "try a shorter or smaller video."), code="timeout", seconds=int(timeout_s))
    if proc.returncode != 0:
        tail = (stderr or b"").decode(errors="replace").strip()[-800:]
        raise MediaError(f"ffmpeg failed ({proc.returncode}): {tail}")
