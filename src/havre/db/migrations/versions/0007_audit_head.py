"""audit head: one locked row per chain, so concurrent appends serialize

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # Start the head where the chain already ends (or at the genesis of an empty one).
    last = op.get_bind().execute(sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).first()
    op.bulk_insert(head, [{"id": 1, "seq": last[0] if last else 0, "hash": last[1] if last else "0" * 64}])


def downgrade() -> None:
    op.drop_table('audit_head')
