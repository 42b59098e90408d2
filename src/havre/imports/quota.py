"""One import at a time per member, from the page and from the operator's CLI alike.

Each import holds a worker for minutes to hours, and an uploaded archive is kept until it is read:
without a bound, one member could queue uploads of a few MiB that each cost the server far more
(issue 21 saw 20 in a row, all accepted). The check is part of starting an import
(``service.plan_later`` from the page, ``service.start_import`` from the CLI), so both share it.
How many a member may start in a day is counted before the upload is even read, with the other
rate limits (``web/rate_limits.py``, action "import": 10 a day per member, 30 per address); the
operator's CLI has no daily count: it is their server.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.accounts.service import lock_member
from havre.db.base import utcnow
from havre.errors import N_, TooManyRequests
from havre.imports.models import PLANNED, RUNNING, ImportRun

# An unfinished run nobody holds and started over a day ago (its process died, its job gave up) no
# longer counts as running: it must not keep its member from importing for ever.
ABANDONED = timedelta(days=1)
BUSY_RETRY_S = 60


def admit(s: Session, user: User, *, from_page: bool) -> None:
    """Refuse a new import of ``user`` while another of theirs is unfinished. Takes the member's
    lock, so two requests at once cannot both pass; the caller commits the new run in ``s``."""
    lock_member(s, user.id)
    now = utcnow()
    unfinished = s.scalar(select(ImportRun.id).where(
        ImportRun.user_id == user.id, ImportRun.status.in_((PLANNED, RUNNING)),
        or_(ImportRun.created_at > now - ABANDONED, ImportRun.locked_until > now)).limit(1))
    if unfinished is None:
        return
    if from_page:
        raise TooManyRequests(N_("Your previous import has not finished yet, and imports run one at a time. Follow it "
                                 "on its page, and start this one when it is done."), retry_after_s=BUSY_RETRY_S,
                              field="file")
    raise TooManyRequests(N_("@%(handle)s has an import that has not finished (%(run)s), and imports run one at a "
                             "time. Run that import again to resume it, or wait a day for it to count as "
                             "abandoned."), retry_after_s=BUSY_RETRY_S, handle=user.handle, run=unfinished)
