"""rate counters: how often an account or an address did an action, per window (havre.ratelimit)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counters',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('window_end', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_rate_counters'))
    )
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counters_window_end'), ['window_end'], unique=False)


def downgrade() -> None:
    op.drop_table('rate_counters')
