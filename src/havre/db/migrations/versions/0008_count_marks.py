"""count marks and the account-wide login throttle

A view counts once per viewer per window and a share once per sharer (count_marks for members,
visitor_marks for visitors' hashed sessions); failed logins are also counted per account
(account_login_failures).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:10:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_login_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_login_failures'))
    )
    with op.batch_alter_table('account_login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_login_failures_key_hash'), ['key_hash'], unique=False)

    op.create_table('count_marks',
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_count_marks_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'video_id', 'kind', name=op.f('pk_count_marks'))
    )
    with op.batch_alter_table('count_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_marks_video_id'), ['video_id'], unique=False)
        batch_op.create_index('ix_count_marks_kind_at', ['kind', 'at'], unique=False)

    op.create_table('visitor_marks',
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_hash', 'video_id', 'kind', name=op.f('pk_visitor_marks'))
    )
    with op.batch_alter_table('visitor_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitor_marks_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visitor_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitor_marks_at'))
    op.drop_table('visitor_marks')
    with op.batch_alter_table('count_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_count_marks_kind_at')
        batch_op.drop_index(batch_op.f('ix_count_marks_video_id'))
    op.drop_table('count_marks')
    with op.batch_alter_table('account_login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_login_failures_key_hash'))
    op.drop_table('account_login_failures')
