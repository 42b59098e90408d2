"""Alembic environment: the engine comes from havre.db.migrate, never from an ini file."""

from alembic import context

from havre.portability.tables import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    # render_as_batch lets ALTER TABLE migrations work on SQLite too.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
