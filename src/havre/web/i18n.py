"""Translations (Babel/gettext catalogs in French and English) and locale-aware formatting.

The .po files are compiled in memory at first use, so a stale .mo can never be served.
"""

from __future__ import annotations

import functools
import io
from datetime import datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal
from babel.support import Translations

SUPPORTED = ("en", "fr")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


def _parse_accept_language(header: str) -> list[tuple[float, str]]:
    choices = []
    for part in header.split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang:
            choices.append((q, lang.strip().lower()))
    return sorted(choices, key=lambda c: -c[0])


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """The remembered choice (cookie) wins, then the browser's preferences, then English."""
    if cookie in SUPPORTED:
        return cookie
    for q, lang in _parse_accept_language(accept_language or ""):
        base = lang.split("-")[0]
        if q > 0 and base in SUPPORTED:
            return base
    return DEFAULT


@functools.cache
def translations(locale: str) -> Translations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return Translations()
    with open(po, "rb") as f:
        catalog = read_po(f, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def gettext(locale: str, message: str, **values: object) -> str:
    text = translations(locale).gettext(message)
    return text % values if values else text


def format_count(n: int, locale: str) -> str:
    """1234 -> "1.2K" (en) / "1,2 k" (fr)."""
    if n < 1000:
        return str(n)
    try:
        return format_compact_decimal(n, locale=Locale.parse(locale), fraction_digits=1)
    except UnknownLocaleError:
        return str(n)


def format_date(when: datetime, locale: str) -> str:
    return babel_format_date(when, format="medium", locale=locale)
