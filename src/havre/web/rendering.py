"""Template rendering with per-request translations (no global gettext state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from havre.errors import HavreError
from havre.web import i18n
from havre.web.deps import RequestContext

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def translate(ctx: RequestContext, exc: HavreError) -> str:
    return exc.translated(i18n.translations(ctx.locale).gettext)


def render(request: Request, ctx: RequestContext, name: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    locale = ctx.locale
    tr = i18n.translations(locale)
    return templates.TemplateResponse(request, name, status_code=status_code, context={
        "ctx": ctx, "viewer": ctx.viewer, "locale": locale, "csrf_token": ctx.csrf_token,
        "_": tr.gettext, "ngettext": tr.ngettext,
        "count": lambda n: i18n.format_count(n, locale),
        "date": lambda d: i18n.format_date(d, locale),
        **context,
    })
