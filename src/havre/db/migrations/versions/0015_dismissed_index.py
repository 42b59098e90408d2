"""an index of each viewer's events by kind: "not interested" is read on every page, wherever it
lies in the viewer's history (feed.taste.MAX_DISMISSED)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:10:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.create_index('ix_feed_events_user_kind', ['user_id', 'kind', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_events_user_kind')
