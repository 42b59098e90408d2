"""posting choices (issue 23): drafts, a scheduled publish time, the trim kept and the cover frame

A draft is processed like any upload but its status ends as ``draft`` rather than ``ready``, so
every reader for others (which asks ``ready``) leaves it out; ``draft`` remembers the intent
while it is still processing.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 18:40:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('publish_at', havre.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('trim_start_s', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('trim_end_s', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('cover_s', sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        for name in ('cover_s', 'trim_end_s', 'trim_start_s', 'publish_at', 'draft'):
            batch_op.drop_column(name)
