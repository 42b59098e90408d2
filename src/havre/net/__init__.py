"""Outbound network access. Every fetch of a URL that a member gave goes through ``guarded``.

This package sits below the domain packages: it imports none of them.
"""
