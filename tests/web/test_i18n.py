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
])
def test_language_negotiation(header: str | None, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(header, cookie) == expected


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
