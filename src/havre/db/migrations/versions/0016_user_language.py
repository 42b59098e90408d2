"""users.language: the language a member chose in Settings (None: follow the browser)

0009 dropped an earlier ``users.locale`` because nothing read or wrote it. This one is written by
Settings, read with the session on every signed-in request (web.deps), exported in the archive and
restored by its import.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
