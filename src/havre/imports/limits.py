"""Limits of an import that the web layer enforces before reading a request (see web/limits.py)."""

MAX_EXPORT_BYTES = 256 << 20  # exports hold links, not videos: a few MiB in practice
