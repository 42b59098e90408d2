from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from havre.db.all_models import metadata
from havre.db.base import DATA_CLASSES
from havre.regions import Regions
from havre.regions.directory import DirectoryBase
from havre.regions.residency import NO_OWNER, OWNER_COLUMNS
from tests.scale_mode import scale_mode


def test_every_column_declares_a_data_class() -> None:
    tables = [*metadata.sorted_tables, *DirectoryBase.metadata.sorted_tables]
    missing = [f"{t.name}.{c.name}" for t in tables for c in t.columns
               if c.info.get("data_class") not in DATA_CLASSES]
    assert missing == [], f"columns without a data class (public/personal/sensitive/operational): {missing}"


def test_every_table_with_personal_data_names_its_owner_for_the_residency_audit() -> None:
    personal = {t.name for t in metadata.sorted_tables
                if any(c.info["data_class"] in ("personal", "sensitive") for c in t.columns)}
    unchecked = personal - set(OWNER_COLUMNS) - set(NO_OWNER)
    assert unchecked == set(), f"add these to OWNER_COLUMNS or NO_OWNER in havre/regions/residency.py: {unchecked}"


def test_the_global_directory_holds_nothing_personal() -> None:
    classes = {f"{t.name}.{c.name}": c.info["data_class"] for t in DirectoryBase.metadata.sorted_tables
               for c in t.columns}
    assert set(classes.values()) <= {"public", "operational"}, classes


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
