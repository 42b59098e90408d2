"""the recommender's tables: feed events, per-video signals, For You lists

Watch events become feed events (kind "watch" or "complete"); the player's impressions, plays,
skips, loops and "not interested" join them. Per-video sums of them live beside each video
(video_signals, folded from the events by a job whose mark is signal_fold_mark), and a For You
session's ranked list is kept in feed_lists.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op

import havre.db.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('signal_fold_mark',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_fold_mark'))
    )
    op.execute("INSERT INTO signal_fold_mark (id, last_event_id) VALUES (1, 0)")
    op.create_table('feed_events',
    sa.Column('id', EVENT_ID, autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('watch_ms', sa.Integer(), nullable=False),
    sa.Column('at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feed_events_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_events')),
    )
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.create_index('ix_feed_events_user', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_feed_events_user_video', ['user_id', 'video_id'], unique=False)
    op.execute("INSERT INTO feed_events (user_id, video_id, kind, watch_ms, at) "
               "SELECT user_id, video_id, CASE WHEN completed THEN 'complete' ELSE 'watch' END, watch_ms, created_at "
               "FROM watch_events ORDER BY id")

    op.create_table('feed_lists',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=True),
    sa.Column('created_at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('served', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feed_lists_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_lists')),
    )
    with op.batch_alter_table('feed_lists', schema=None) as batch_op:
        batch_op.create_index('ix_feed_lists_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_lists_user_id'), ['user_id'], unique=False)

    op.create_table('video_signals',
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('completes', sa.Integer(), nullable=False),
    sa.Column('skips', sa.Integer(), nullable=False),
    sa.Column('loops', sa.Integer(), nullable=False),
    sa.Column('not_interested', sa.Integer(), nullable=False),
    sa.Column('watch_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_video_signals_video_id_videos'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('video_id', name=op.f('pk_video_signals'))
    )
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_user_video'))
    op.drop_table('watch_events')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.create_index('ix_videos_like_count', ['like_count'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_index('ix_videos_like_count')
    op.create_table('watch_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('video_id', sa.String(length=16), nullable=False),
    sa.Column('watch_ms', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('created_at', havre.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_watch_events_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_events'))
    )
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_user_video'), ['user_id', 'video_id'], unique=False)
    op.drop_table('video_signals')
    op.drop_table('feed_lists')
    op.drop_table('feed_events')
    op.drop_table('signal_fold_mark')
