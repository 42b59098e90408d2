"""Hashtags are the caption's ``#words``: parsed once here, for the tag index and for cards alike."""

from __future__ import annotations

import re

# Unicode word characters, so #café and #日本 are hashtags too.
HASHTAG_RE = re.compile(r"#(\w{1,100})")


def parse_hashtags(caption: str) -> list[str]:
    """The caption's hashtags, lower-cased, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in HASHTAG_RE.finditer(caption):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)
