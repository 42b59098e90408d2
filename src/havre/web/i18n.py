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
from starlette.requests import HTTPConnection

LANG_COOKIE = "havre_lang"
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


def locale_of(conn: HTTPConnection) -> str:
    """A request's language: the remembered choice, then the browser's preferences."""
    return negotiate(conn.headers.get("accept-language"), conn.cookies.get(LANG_COOKIE))


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


# Numbers to try when looking for one that falls in each plural category (French "many" is 1,000,000).
_PLURAL_SAMPLES = (*range(0, 200), 1_000_000, 2_000_000)


def plural_forms(locale: str, singular: str, plural: str) -> dict[str, str]:
    """The translation of a counted phrase for each CLDR plural category of ``locale``.

    Scripts that re-render a count pick the form with ``Intl.PluralRules(lang).select(n)``, which
    speaks CLDR categories ("one", "many", "other"), while gettext speaks form indexes: asking
    gettext for a number of each category bridges the two, whatever the language.
    """
    tr = translations(locale)
    return {category: tr.ngettext(singular, plural, n) for category, n in _plural_samples(locale).items()}


@functools.cache
def _plural_samples(locale: str) -> dict[str, int]:
    """One number of each plural category of ``locale`` (en: one -> 1, other -> 0)."""
    try:
        rule = Locale.parse(locale).plural_form
    except UnknownLocaleError:
        return {"one": 1, "other": 2}
    samples: dict[str, int] = {}
    for n in _PLURAL_SAMPLES:
        samples.setdefault(rule(n), n)
    return samples


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
