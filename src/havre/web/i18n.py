"""Translations (Babel/gettext catalogs in French and English) and locale-aware formatting.

The .po files are compiled in memory at first use, so a stale .mo can never be served.
"""

from __future__ import annotations

import functools
import io
from datetime import datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
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


# A header is read this far, and this many languages of it: a browser sends a handful, and a
# crafted header costs no more than that.
MAX_ACCEPT_LANGUAGE = 512
MAX_PREFERENCES = 16


def browser_preferences(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (the header's order among
    equal q-values); q=0, a malformed q and an empty tag are left out, ``*`` stands for the default.
    Only the list is read here: Babel matches it against the catalogs (``negotiate``)."""
    text = header or ""
    parts = text[:MAX_ACCEPT_LANGUAGE].split(",")
    if len(text) > MAX_ACCEPT_LANGUAGE:
        parts.pop()  # cut in the middle
    ranked: list[tuple[float, str]] = []
    for part in parts[:MAX_PREFERENCES]:
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and 0.0 < q <= 1.0:  # NaN, infinities and q > 1 too are malformed
            ranked.append((q, DEFAULT if tag == "*" else tag))
    ranked.sort(key=lambda c: -c[0])  # stable: the header's order among equals
    return [tag for _, tag in ranked]


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """A visitor's language: the picker's choice (cookie), then the browser's preferences matched by
    Babel (``fr-CA`` falls back to ``fr``), then English. A member's own choice comes first (web.deps)."""
    if cookie in SUPPORTED:
        return cookie
    found = negotiate_locale(browser_preferences(accept_language), SUPPORTED, sep="-", aliases={})
    return found.lower() if found and found.lower() in SUPPORTED else DEFAULT


def locale_of(conn: HTTPConnection) -> str:
    """A visitor's language: the picker's choice, then the browser's preferences (``negotiate``)."""
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
