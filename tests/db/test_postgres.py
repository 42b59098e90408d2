"""The same migrations on PostgreSQL (running on 127.0.0.1:5432 in CI; skipped elsewhere only)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from havre.db.engine import make_engine
from havre.db.migrate import upgrade
from havre.portability.tables import metadata

ADMIN_URL = os.environ.get("HAVRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url() -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"havre_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            raise  # CI has PostgreSQL: a missing server is a failure, not a skip
        pytest.skip(f"no PostgreSQL at {ADMIN_URL}: {exc}")
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_run_on_postgresql_and_match_the_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
