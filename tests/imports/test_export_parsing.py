"""Reading TikTok's data export: every layout generation, odd entries, and hostile archives."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from havre.imports.tiktok_export import ExportError, Limits, read_export
from tests.imports.archives import declare_size
from tests.imports.exports import (
    middle_layout,
    newest_layout,
    oldest_layout,
    post,
    write_txt_export,
    write_zip,
)

LINK = "https://v16-webapp.tiktok.com/abc/video.mp4?expire=1700000000"
PAGE = "https://www.tiktokv.com/share/video/7212345678901234567/"


def _posts() -> list[Any]:
    return [
        post("2023-03-04 12:30:00", PAGE, Likes="1.2K", Title="Crêpes 🥞 #Recette #cuisine",
             Sound="original sound - lea", WhoCanView="Friends", AllowComments="No",
             CoverImage="https://p16/cover.jpg"),
        post("2022-12-01 08:00:00", "https://img/1.jpg\nhttps://img/2.jpg\nhttps://img/3.jpg", Likes="",
             Title="Photo dump"),
        {"Link": LINK, "Likes": "3"},  # no date: reported, skipped
        "not an object",
    ]


@pytest.mark.parametrize("layout,name", [(oldest_layout, "user_data.json"), (middle_layout, "user_data.json"),
                                         (newest_layout, "user_data_tiktok.json")])
def test_every_json_generation_gives_the_same_videos(tmp_path: Path, layout: Callable[..., dict[str, Any]],
                                                     name: str) -> None:
    export = read_export(write_zip(tmp_path / "export.zip", layout(_posts(), bioDescription="Recettes"),
                                   name=name, folder="TikTok_Data_123/"))
    assert [v["posted_at"] for v in export.videos] == ["2023-03-04T12:30:00+00:00", "2022-12-01T08:00:00+00:00"]
    first, photos = export.videos
    assert first["tiktok_id"] == "7212345678901234567" and first["caption"] == "Crêpes 🥞 #Recette #cuisine"
    assert first["legacy_counts"] == {"likes": 1200} and first["sound"] == "original sound - lea"
    assert first["visibility"] == "followers" and first["allow_comments"] is False
    assert photos["slideshow"] and len(photos["links"]) == 3 and photos["legacy_counts"] == {}
    assert export.problems == ["post 3: no date; skipped", "post 4: not a video entry"]
    assert export.profile["bio"] == "Recettes"


def test_follow_lists_and_an_extracted_folder(tmp_path: Path) -> None:
    folder = tmp_path / "TikTok"
    folder.mkdir()
    (folder / "user_data.json").write_text(json.dumps(middle_layout(_posts()[:1], following=["marco", "Aiko"],
                                                                    followers=["fan1"])))
    export = read_export(folder)
    assert export.following == ["marco", "Aiko"] and export.followers == [("fan1", "2023-02-01T10:00:00+00:00")]


def test_the_txt_export(tmp_path: Path) -> None:
    folder = write_txt_export(tmp_path / "txt", [
        {"Date": "2021-05-06 07:08:09", "Video Link": LINK, "Like(s)": "5"},
        {"Date": "2021-05-07 07:08:09", "Link": PAGE, "Sound": "Song - Artist"},
    ], following=["marco"])
    export = read_export(folder)
    assert [v["posted_at"][:10] for v in export.videos] == ["2021-05-06", "2021-05-07"]
    assert export.videos[1]["tiktok_id"] == "7212345678901234567" and export.videos[1]["sound"] == "Song - Artist"
    assert export.following == ["marco"]


def test_an_empty_txt_section_is_no_error(tmp_path: Path) -> None:
    folder = write_txt_export(tmp_path / "txt", [{"Date": "2021-05-06 07:08:09", "Link": LINK}])
    assert read_export(folder).following == []


def test_not_a_zip(tmp_path: Path) -> None:
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"\x89PNG not a zip at all" * 10)
    with pytest.raises(ExportError, match="export.zip is not a zip archive.*Download your data"):
        read_export(bad)


def test_a_truncated_zip(tmp_path: Path) -> None:
    good = write_zip(tmp_path / "good.zip", middle_layout(_posts() * 50))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ExportError, match="cut.zip is (not a zip archive|damaged)"):
        read_export(cut)


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("user_data_tiktok.json", b"{" + b" " * (50 << 20) + b"}")
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ExportError, match="zip bomb"):
        read_export(bomb, limits=Limits(max_member_bytes=8 << 20))


def test_a_member_over_the_limit_is_refused_before_unpacking(tmp_path: Path) -> None:
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("user_data_tiktok.json", b" " * (4 << 20))
    with pytest.raises(ExportError, match=r"user_data_tiktok.json in big.zip is 4.0 MiB once unpacked, more than the "
                                          r"1.0 MiB .*refused before unpacking"):
        read_export(big, limits=Limits(max_member_bytes=1 << 20, max_ratio=10**9))


def test_a_bomb_that_lies_about_its_size_is_stopped_at_what_it_declared(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("user_data_tiktok.json", b"[" + b" " * (256 << 20) + b"]")
    declare_size(bomb, "user_data_tiktok.json", 1024)  # 256 MiB of text, said to be 1 KiB
    with zipfile.ZipFile(bomb) as z:
        assert z.getinfo("user_data_tiktok.json").file_size == 1024
    with pytest.raises(ExportError, match="bomb.zip is damaged: user_data_tiktok.json cannot be read"):
        read_export(bomb)


def test_names_that_climb_out_are_reported_and_never_written(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../etc/user_data.json", json.dumps(middle_layout([])))
        z.writestr("/abs/user_data.json", "{}")
        z.writestr("C:\\Windows\\user_data.json", "{}")
        z.writestr("TikTok/user_data.json", json.dumps(middle_layout(_posts()[:1])))
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    export = read_export(archive)
    assert len(export.videos) == 1
    assert sum("points outside the archive" in p for p in export.problems) == 3
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before


def test_json_of_an_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"unknown layout \(top-level keys: Foo, Bar\)"):
        read_export(write_zip(tmp_path / "x.zip", {"Foo": 1, "Bar": {}}))


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("user_data_tiktok.json", '{\n "Post": {\n  "Posts": [,]\n }\n}')
    with pytest.raises(ExportError, match=r"user_data_tiktok.json is not valid JSON \(line 3\)"):
        read_export(archive)


def test_a_zip_without_tiktok_data(tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("holiday.jpg", b"jpeg")
    with pytest.raises(ExportError, match="No TikTok data found in photos.zip"):
        read_export(archive)


def test_a_member_with_a_bad_checksum(tmp_path: Path) -> None:
    path = tmp_path / "crc.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("user_data.json", json.dumps(middle_layout(_posts()[:1])))
    data = bytearray(path.read_bytes())
    data[data.index(b"VideoList")] ^= 0x20  # flip a stored byte: same size, wrong checksum
    path.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="crc.zip is damaged.*Bad CRC-32"):
        read_export(path)


def test_an_archive_with_too_many_files(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for n in range(30):
            z.writestr(f"Videos/{n}.mp4", b"")
        z.writestr("user_data.json", json.dumps(middle_layout([])))
    with pytest.raises(ExportError, match="many.zip holds 31 files"):
        read_export(path, limits=Limits(max_members=20))


def test_a_symlink_out_of_an_export_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(middle_layout(_posts()[:1], bioDescription="not yours")))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "user_data.json").symlink_to(secret)
    with pytest.raises(ExportError, match="No TikTok data found in export"):
        read_export(folder)


def test_json_that_is_a_list(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown layout"):
        read_export(write_zip(tmp_path / "x.zip", [1, 2]))  # type: ignore[arg-type]
