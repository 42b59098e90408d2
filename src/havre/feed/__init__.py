"""Feeds: For You and Following, and the watch events they learn from."""

# The job this package handles (feed.tasks), named by it.
SWEEP_LISTS_JOB = "feed.sweep_lists"
