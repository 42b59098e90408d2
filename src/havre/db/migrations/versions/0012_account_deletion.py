"""account deletion: when an account is to be deleted (its grace period), users.delete_after

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delete_after', havre.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_delete_after'), ['delete_after'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_delete_after'))
        batch_op.drop_column('delete_after')
