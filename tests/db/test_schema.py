from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from havre.db.base import DATA_CLASSES
from havre.db.ownership import holds_personal_data, ownership_of
from havre.portability.tables import metadata
from havre.regions import Regions
from havre.regions.directory import DirectoryBase
from tests.scale_mode import scale_mode


def test_every_column_declares_a_data_class() -> None:
    tables = [*metadata.sorted_tables, *DirectoryBase.metadata.sorted_tables]
    missing = [f"{t.name}.{c.name}" for t in tables for c in t.columns
               if c.info.get("data_class") not in DATA_CLASSES]
    assert missing == [], f"columns without a data class (public/personal/sensitive/operational): {missing}"


def test_every_table_with_personal_data_declares_whose_rows_they_are() -> None:
    # The move, the residency audit, the export and the deletion read this declaration: a table
    # that declares nothing would be left behind by all of them.
    undeclared = {t.name for t in metadata.sorted_tables if holds_personal_data(t) and ownership_of(t) is None}
    assert undeclared == set(), (
        f"declare owned(...) or not_owned(...) in __table_args__ of {undeclared} (see havre/db/ownership.py)")


def test_owner_columns_exist_and_name_a_user_or_video() -> None:
    for table in metadata.sorted_tables:
        declared = ownership_of(table)
        if declared is not None and hasattr(declared, "column"):
            assert declared.column in table.c, f"{table.name} declares a missing owner column {declared.column}"


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
