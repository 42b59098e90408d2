"""Template rendering with per-request translations (no global gettext state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from havre.errors import HavreError
from havre.web import i18n
from havre.web.deps import RequestContext

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def region_label(name: str) -> str:
    """How pages name a region: one label everywhere (signup, settings, residency notes)."""
    return name.upper()


def strong_count(n: int, locale: str, element_id: str | None = None) -> Markup:
    """The number of a counted phrase, in bold (the phrase around it is escaped by the template)."""
    attr = Markup(' id="{}"').format(element_id) if element_id else Markup("")
    return Markup("<strong{}>{}</strong>").format(attr, i18n.format_count(n, locale))


def translate(ctx: RequestContext, exc: HavreError) -> str:
    return exc.translated(i18n.translations(ctx.locale).gettext)


def render(request: Request, ctx: RequestContext, name: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    locale = ctx.locale
    tr = i18n.translations(locale)
    return templates.TemplateResponse(request, name, status_code=status_code, context={
        "ctx": ctx, "viewer": ctx.viewer, "locale": locale, "csrf_token": ctx.csrf_token,
        "_": tr.gettext, "ngettext": tr.ngettext, "pgettext": tr.pgettext,
        # For counts that scripts re-render: every plural form, picked in JS with Intl.PluralRules.
        "plural_forms": lambda singular, plural: i18n.plural_forms(locale, singular, plural),
        "count": lambda n: i18n.format_count(n, locale),
        "strong_count": lambda n, element_id=None: strong_count(n, locale, element_id),
        "date": lambda d: i18n.format_date(d, locale),
        "region_label": region_label,
        **context,
    })
