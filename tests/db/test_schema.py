from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from havre.db.all_models import metadata
from havre.db.base import DATA_CLASSES
from havre.regions import Regions
from tests.scale_mode import scale_mode


def test_every_column_declares_a_data_class() -> None:
    missing = [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns
               if c.info.get("data_class") not in DATA_CLASSES]
    assert missing == [], f"columns without a data class (public/personal/sensitive/operational): {missing}"


def test_migrations_match_the_models(regions: Regions) -> None:
    with regions.default.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_the_configured_database_is_used(regions: Regions) -> None:
    engine = regions.default.engine
    if scale_mode():
        assert engine.dialect.name == "postgresql"
        return
    with engine.connect() as conn:  # embedded: SQLite in WAL mode, so reads don't wait on writes
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
