"""Limits of an import that the web layer enforces before reading a request (see web/limits.py)."""

# A TikTok export holds links, not videos (a few MiB in practice); a Havre archive carries the
# originals themselves: the page takes one up to this size (larger ones: `havre import archive`).
MAX_EXPORT_BYTES = 4 << 30
