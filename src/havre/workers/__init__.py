"""The job runtime: runners that claim outbox rows, the Celery relay and worker, engine choice.

Above the domains: a runner loads every domain's task handlers (``workers.handlers``).
"""

# The job this package handles (workers.maintenance), named by it.
ANALYZE_JOB = "workers.analyze"
