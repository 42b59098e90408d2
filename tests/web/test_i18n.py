from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from havre.web import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("header", "cookie", "expected"), [
    ("fr-FR,fr;q=0.9,en;q=0.8", None, "fr"),
    ("en-US,en;q=0.9", None, "en"),
    ("de-DE,de;q=0.9,fr;q=0.5", None, "fr"),
    ("de-DE", None, "en"),
    ("fr;q=0, en;q=0.5", None, "en"),
    (None, None, "en"),
    ("fr-FR", "en", "en"),
    ("en", "fr", "fr"),
    ("en", "xx", "en"),
    ("garbage;;;q=zz", None, "en"),
    ("fr-CA", None, "fr"),  # a region falls back to its language
    ("FR-ca, en;q=0.5", None, "fr"),
    ("de-DE, fr-CA;q=0.4, en;q=0.3", None, "fr"),
    ("en;q=abc, fr", None, "fr"),  # a malformed q leaves that language out
    ("fr;q=nan, en;q=0.1", None, "en"),
    ("fr;q=inf, fr;q=2, en;q=0.1", None, "en"),  # q is at most 1
    ("fr;q=-1", None, "en"),
    ("*", None, "en"),  # anything: the default
    ("de, *;q=0.5, fr;q=0.1", None, "en"),
    ("", None, "en"),
    (" , ;q=1, ,fr", None, "fr"),
    ("fr;Q=0.5;level=1, en;q=0.4", None, "fr"),
    ("de, en;q=0.5, fr;q=0.5", None, "en"),  # equal q: the header's order
])
def test_language_negotiation(header: str | None, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(header, cookie) == expected


def test_a_very_long_header_is_read_only_so_far() -> None:
    # Read up to a bound: a megabyte of languages costs what a browser's handful does.
    assert i18n.negotiate("fr," + "x;q=0.1," * 200_000, None) == "fr"
    assert i18n.negotiate("de-" + "x" * 1_000_000 + ",fr", None) == "en"  # fr lies past the bound
    assert len(i18n.browser_preferences("xx," * 10_000)) <= i18n.MAX_PREFERENCES
    assert i18n.browser_preferences("fr;q=0.5," + "de;q=0.1," * 40 + "fr-" + "c" * 600) == ["fr", *["de"] * 15]


def test_babel_decides_the_match() -> None:
    assert i18n.browser_preferences("en-GB;q=0.8, fr-CA, *;q=0.1") == ["fr-CA", "en-GB", "en"]
    assert i18n.negotiate("zh-Hant-TW, fr-CA-x-foo", None) == "fr"


def test_every_string_of_the_pages_has_a_french_translation() -> None:
    method_map = [("src/havre/web/templates/**.html", "jinja2"), ("src/havre/**.py", "python")]
    found = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map) if isinstance(msg, str)}
    assert len(found) > 50
    fr = i18n.translations("fr")
    untranslated = sorted(m for m in found if fr.gettext(m) == m and m not in {"Bio", "Pause"})
    assert untranslated == [], "add French for these in src/havre/web/locale/fr (scripts/i18n.py)"


def test_counts_are_formatted_for_the_locale() -> None:
    assert i18n.format_count(999, "en") == "999"
    assert i18n.format_count(1234, "en") == "1.2K"
    assert i18n.format_count(1234, "fr").replace("\u202f", " ").replace("\xa0", " ") == "1,2 k"
    assert i18n.format_count(2_500_000, "en") == "2.5M"
