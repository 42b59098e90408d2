"""Every response carries the security headers; pages run no inline script the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ApiClient

TEMPLATES = Path(__file__).resolve().parents[2] / "src/havre/web/templates"


def test_pages_api_and_errors_carry_the_security_headers(client: ApiClient) -> None:
    for path in ("/", "/login", "/api/feed/foryou", "/no-such-page", "/static/app.css"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], path
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_template_relies_on_inline_script() -> None:
    """Inline handlers and script blocks would be blocked by script-src 'self' (JSON data blocks are fine)."""
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name} has an inline event handler"
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{template.name}: {tag}"
