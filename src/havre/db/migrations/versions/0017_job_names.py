"""job names say the package that handles them (issue 22): queued and finished jobs take the new names

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

RENAMED = {
    "media.process": "videos.process",
    "media.ladder": "videos.ladder",
    "counts.video": "social.count_video",
    "counts.followers": "social.count_followers",
    "exports.build": "portability.build_export",
    "exports.sweep": "portability.sweep_exports",
    "moves.run": "portability.move",
    "accounts.delete_due": "portability.delete_due",
    "accounts.delete": "portability.delete_account",
    "recs.retrain_after_deletion": "portability.retrain_after_deletion",
    "db.analyze": "workers.analyze",
}


def _rename(pairs: dict[str, str]) -> None:
    jobs = sa.table("jobs", sa.column("kind", sa.String))
    for old, new in pairs.items():
        op.execute(jobs.update().where(jobs.c.kind == old).values(kind=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
