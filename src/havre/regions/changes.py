"""Changes announced by the actions that make them, heard once their transaction commits.

An action that changes what a feed may show of a region's videos (a video became ready, changed
visibility or caption, was deleted, or left the region) says so on its session:
``announce(s, VIDEOS)``. When that session commits, the region calls whoever listens
(``Region.on_change``): For You's state in each app of this process (``feed.state``). A rolled
back session's announcements are dropped. Nothing scans sessions for changes: what an action
does not announce is not heard, and other processes see any change when their caches expire
(docs/recommender.md, "Several processes").
"""

from __future__ import annotations

from sqlalchemy.orm import Session

VIDEOS = "videos"
TOPICS = frozenset({VIDEOS})
_KEY = "havre_announced"


def announce(s: Session, topic: str) -> None:
    """Say that this session's transaction changes ``topic``; heard after it commits."""
    assert topic in TOPICS, topic
    s.info.setdefault(_KEY, set()).add(topic)


def take_announced(s: Session) -> set[str]:
    """What the session's finished transaction announced (and forget it)."""
    announced: set[str] = s.info.pop(_KEY, set())
    return announced
