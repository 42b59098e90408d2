"""The OpenAPI document tells the truth: schemathesis generates requests for every operation of
``/openapi.json`` (valid ones and invalid ones) and sends them to the app in-process, as a signed-in
member; no answer may be a server error, nor a status, content type or body the document does not
list. Bounded to about a minute; embedded mode only (the stores make no difference to the document).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from havre.app import create_app
from havre.config import load_settings
from havre.db.migrate import upgrade
from havre.regions import open_regions
from tests.conftest import ApiClient, instance_settings
from tests.scale_mode import scale_mode

pytestmark = pytest.mark.skipif(scale_mode(), reason="the document is the same in both modes: run once, embedded")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 100  # per operation: about a minute for the whole API


def _document() -> dict[str, Any]:
    """The app's OpenAPI document (parametrizing needs it at import; a throwaway instance serves it)."""
    with tempfile.TemporaryDirectory(prefix="havre-openapi-") as tmp:
        config = load_settings(data_dir=Path(tmp), regions="eu,us")
        regions = open_regions(config)
        try:
            return create_app(config, regions=regions).openapi()
        finally:
            regions.close()


# Not `from_asgi` with `schemathesis.pytest.from_fixture`: its lazy loading writes a pytest node
# attribute that pytest 9 no longer has. The test hands the app to each call instead.
schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, Any]]]:
    """One two-region instance for all operations, and what a signed-in member's browser sends."""
    with instance_settings(tmp_path_factory.mktemp("schemathesis") / "data", ("eu", "us"), None) as config:
        regions = open_regions(config)
        for region in regions:
            upgrade(region.engine)
        app = create_app(config, regions=regions)
        with ApiClient(app) as browser:
            browser.prime_csrf()
            browser.signup("lea")
            member = {"cookies": dict(browser.cookies), "headers": {"X-CSRF-Token": browser.headers["X-CSRF-Token"]}}
        yield app, member
        asgi.shutdown_lifespans()  # schemathesis keeps the app's lifespan open for its calls
        regions.close()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_answers_as_its_document_says(case: Any, served: tuple[FastAPI, dict[str, Any]]) -> None:
    app, member = served
    # Logging out would end the member's session for every later call: do it as a visitor.
    signed_in = case.path != "/api/auth/logout"
    case.call_and_validate(app=app, checks=CHECKS, headers=member["headers"] if signed_in else None,
                           cookies=member["cookies"] if signed_in else None)
