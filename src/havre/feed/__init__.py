"""Feeds: For You and Following, and the watch events they learn from."""
