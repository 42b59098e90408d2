"""Limits of an import that the web layer enforces before reading a request (see web/limits.py)."""

# A TikTok export holds links, not videos (a few MiB in practice); a Havre archive carries the
# originals themselves. The page takes one up to this size, judged from Content-Length before a byte
# is read (docs/security.md); a larger archive goes through the operator: `havre import archive`.
MAX_EXPORT_BYTES = 256 << 20
