"""Jobs: rows written in the same transaction as the change that needs them, run after commit."""

from havre.jobs.registry import JobContext, handler
from havre.jobs.service import enqueue

__all__ = ["JobContext", "enqueue", "handler"]
