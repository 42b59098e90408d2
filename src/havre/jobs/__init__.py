"""The job outbox: job rows enqueued inside the caller's transaction, and handlers by kind.

Runners, engines and Celery (the runtime that claims these rows) live in ``havre.workers``.
"""

from havre.jobs.registry import PermanentJobError, handler
from havre.jobs.service import book, enqueue, waiting

__all__ = ["PermanentJobError", "book", "enqueue", "handler", "waiting"]
