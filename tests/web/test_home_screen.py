"""A favicon and a web app manifest: the site can be added to a phone's home screen, with its icon."""

from __future__ import annotations

import re
import struct

from tests.conftest import ApiClient


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_page_links_a_manifest_whose_icons_are_real_pngs(client: ApiClient) -> None:
    for path in ("/", "/login", "/signup"):
        page = client.get(path).text
        assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page, path
        assert re.search(r'<link rel="icon" type="image/png" sizes="32x32" href="/static/icons/icon-32.png">', page)
        assert '<link rel="apple-touch-icon" href="/static/icons/icon-180.png">' in page
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200 and response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == manifest["short_name"] == "Havre"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = set()
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        width, height = _png_size(png.content)
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        sizes.add(width)
    assert {192, 512} <= sizes
    for path, size in (("/static/icons/icon-32.png", 32), ("/static/icons/icon-180.png", 180)):
        assert _png_size(client.get(path).content) == (size, size)


def test_every_file_picker_is_one_of_ours_in_the_page_language(client: ApiClient) -> None:
    """The browser's own picker says "Choose File" in the browser's language (issue 23)."""
    client.signup("picker")
    for path in ("/upload", "/import", "/settings"):
        html = client.get(path, headers={"Accept-Language": "fr"}).text
        inputs = html.count('type="file"')
        assert inputs >= 1 and html.count('class="file-pick"') == inputs, path
        assert "Aucun fichier choisi" in html, path
