"""Migrated databases in a moment: Alembic runs once per test session, into a template that each
test's database is copied from (issue 22: migrating every region of every test took a fifth of
the suite).

SQLite: the template is a file migrated once; a test's database receives it through SQLite's
online backup (page by page, into the file the engine already opened). PostgreSQL: a template
database migrated once; a test's database is made with ``CREATE DATABASE ... TEMPLATE``.
Either way the result is what ``upgrade`` gives, statistics included (``tests/db/test_schema``
still migrates from nothing, and checks it against the models).
"""

from __future__ import annotations

import atexit
import sqlite3
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from havre.db.engine import make_engine, sqlite_url
from havre.db.migrate import current_revision, head_revision, upgrade

_templates: dict[str, str] = {}  # "sqlite" -> the template file, "postgresql" -> its database name


def _sqlite_template() -> str:
    if "sqlite" not in _templates:
        path = Path(tempfile.mkdtemp(prefix="havre-template-")) / "havre.db"
        engine = make_engine(sqlite_url(path))
        upgrade(engine)
        with engine.connect() as conn:  # fold the write-ahead log into the file the backup reads
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _templates["sqlite"] = str(path)
    return _templates["sqlite"]


def migrate(engine: Engine) -> None:
    """Bring a new, empty database of a test to the newest migration, from the template."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            with sqlite3.connect(_sqlite_template()) as template:
                template.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
        engine.dispose()  # pooled connections opened before the copy read the schema again
        return
    if current_revision(engine) != head_revision():  # made without the template: migrate it
        upgrade(engine)


def postgres_template(admin_url: str) -> str:
    """The name of a PostgreSQL database migrated to the newest revision, made once per session
    (and dropped at exit) for ``CREATE DATABASE ... TEMPLATE``."""
    if "postgresql" not in _templates:
        name = f"havre_template_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(admin_url.rsplit("/", 1)[0] + "/" + name)
        upgrade(engine)
        engine.dispose()  # a template may have no one connected while it is copied

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        atexit.register(drop)
        _templates["postgresql"] = name
    return _templates["postgresql"]
