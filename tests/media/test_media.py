"""The media pipeline on 2-second clips: probing, refusals, remux, ladder, metadata stripping."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from havre.media import probe as media_probe
from havre.media import synth, transcode
from havre.media.errors import MediaError, MediaRejected

GPS = "+48.8584+002.2945/"


@pytest.fixture(scope="module")
def gps_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.make_clip(tmp_path_factory.mktemp("gps") / "gps.mp4", seconds=2, width=720, height=1280,
                           seed=4, gps=GPS)


def _no_location(path: Path) -> None:
    data = path.read_bytes()
    assert b"48.8584" not in data and b"HavreTestPhone" not in data, f"metadata leaked into {path.name}"
    if path.suffix in (".mp4", ".ts", ".jpg"):
        with av.open(str(path)) as c:
            assert "location" not in c.metadata and "make" not in c.metadata


def test_the_test_clip_really_carries_gps(gps_clip: Path) -> None:
    with av.open(str(gps_clip)) as c:
        assert c.metadata.get("location") == GPS


def test_probe_reads_a_normal_clip(h264_clip: Path) -> None:
    p = media_probe.probe(h264_clip)
    assert (p.container, p.video_codec, p.audio_codec) == ("mp4", "h264", "aac")
    assert (p.width, p.height) == (360, 640) and 1.9 < p.duration_s < 2.2 and p.has_audio
    assert media_probe.can_remux(p)


def test_webm_is_accepted_but_not_remuxable(vp9_clip: Path) -> None:
    p = media_probe.probe(vp9_clip)
    assert p.container == "matroska" and p.video_codec == "vp9" and not media_probe.can_remux(p)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"\x47" * 188)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_playlist_disguised_as_mp4_is_refused_without_any_request(tmp_path: Path, http_server: str) -> None:
    sneaky = tmp_path / "holiday.mp4"
    sneaky.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{http_server}/secret.ts\n#EXT-X-ENDLIST\n")
    with pytest.raises(MediaRejected) as err:
        media_probe.probe(sneaky)
    assert err.value.code == "container" and "playlist" in str(err.value)
    # Even if something upstream skipped the probe, ffmpeg itself is told "file protocol only".
    with pytest.raises(MediaError):
        transcode.remux_faststart(sneaky, tmp_path / "out.mp4", timeout_s=20)
    assert _Recorder.hits == []


@pytest.mark.parametrize("content", [b"", b"\x00" * 4096, b"GIF89a" + b"\x00" * 100, b"<html>not video</html>"])
def test_non_videos_are_refused_with_a_reason(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaRejected) as err:
        media_probe.probe(path)
    assert err.value.code == "container" and "MP4, MOV or WebM" in str(err.value)


def test_a_truncated_file_is_reported_as_damaged(tmp_path: Path, h264_clip: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(h264_clip.read_bytes()[:20_000])
    with pytest.raises(MediaRejected) as err:
        media_probe.probe(cut)
    assert err.value.code == "corrupt" and "damaged or incomplete" in str(err.value)


def test_limits_name_what_is_too_big(h264_clip: Path) -> None:
    p = media_probe.probe(h264_clip)
    for kwargs, code in [({"max_bytes": 10}, "too_large"), ({"max_duration_s": 1}, "too_long"),
                         ({"max_pixels": 1000}, "too_many_pixels")]:
        limits = {"max_bytes": 10**9, "max_duration_s": 600, "max_pixels": 10**8, **kwargs}
        with pytest.raises(MediaRejected) as err:
            media_probe.check_limits(p, **limits)
        assert err.value.code == code


def test_remux_is_faststart_and_strips_gps(tmp_path: Path, gps_clip: Path) -> None:
    out = tmp_path / "play.mp4"
    transcode.remux_faststart(gps_clip, out, timeout_s=30)
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "the index must come first for instant playback"
    _no_location(out)
    assert media_probe.probe(out).video_codec == "h264"


def test_ladder_sizes_playback_and_no_metadata(tmp_path: Path, gps_clip: Path) -> None:
    p = media_probe.probe(gps_clip)
    renditions = transcode.build_ladder(gps_clip, tmp_path, p, timeout_s=120)
    assert [(r.name, r.width, r.height) for r in renditions] == [
        ("720p", 720, 1280), ("480p", 480, 854), ("360p", 360, 640)]
    for r in renditions:
        q = media_probe.probe(r.mp4)
        assert (q.width, q.height, q.video_codec, q.audio_codec) == (r.width, r.height, "h264", "aac")
        assert r.segments and r.playlist.read_text().startswith("#EXTM3U")
        for f in [r.mp4, *r.segments]:
            _no_location(f)
    master = tmp_path / "master.m3u8"
    transcode.write_master_playlist(renditions, master, uri_for=lambda r: r.playlist.relative_to(tmp_path).as_posix())
    text = master.read_text()
    assert text.count("#EXT-X-STREAM-INF") == 3 and "RESOLUTION=720x1280" in text and "720p/index.m3u8" in text
    poster = tmp_path / "poster.jpg"
    transcode.make_poster(gps_clip, poster, p, timeout_s=30)
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    _no_location(poster)


def test_small_inputs_are_never_upscaled(h264_clip: Path) -> None:
    p = media_probe.probe(h264_clip)
    assert [(s.short_side) for s in transcode.plan_ladder(p)] == [360]


def test_phone_rotation_is_applied(tmp_path: Path) -> None:
    rotated = synth.make_clip(tmp_path / "rot.mp4", seconds=1, width=640, height=360, seed=5, rotate=90)
    p = media_probe.probe(rotated)
    assert p.rotation in (90, 270) and (p.width, p.height) == (360, 640) and not media_probe.can_remux(p)
    [r] = transcode.build_ladder(rotated, tmp_path, p, timeout_s=60)
    q = media_probe.probe(r.mp4)
    assert (q.width, q.height, q.rotation) == (360, 640, 0)
