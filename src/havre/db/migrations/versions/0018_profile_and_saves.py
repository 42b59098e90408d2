"""profile and saves: users.likes_public, users.pinned_video_id, and the saves table (issue 23)

A member's "Liked" tab is private unless they make it public; they pin one of their videos first on
their profile; a saved video is kept in their private collection ("Saved"), in their home region.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('likes_public', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('pinned_video_id', sa.String(length=16), nullable=True))
    op.create_table('saves',
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saves_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'video_id', name=op.f('pk_saves'))
    )
    with op.batch_alter_table('saves', schema=None) as batch_op:
        batch_op.create_index('ix_saves_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_saves_video_id'), ['video_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('saves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saves_video_id'))
        batch_op.drop_index('ix_saves_user_created')
    op.drop_table('saves')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pinned_video_id')
        batch_op.drop_column('likes_public')
