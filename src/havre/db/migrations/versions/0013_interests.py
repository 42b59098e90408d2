"""interests: the hashtags a member chose for For You ("Choose your interests")

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('interests',
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('chosen_at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'tag', name=op.f('pk_interests'))
    )


def downgrade() -> None:
    op.drop_table('interests')
