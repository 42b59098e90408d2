"""The cross-region gateway: the one way work served for region A reaches region B.

Policy, enforced here:
- Reads from another region run only *public readers*: functions registered with
  ``@public_reader`` that return public data (public videos and profiles, public comments, or
  followers-only videos for a viewer whose follow the home region has checked). Anything else
  raises ``ResidencyViolation``.
- Writes into another region are only *aggregate writers* (``@aggregate_writer``): anonymous
  counter changes (likes, views, followers) and notices carrying public ids. Nothing that names
  a person of region A is ever written in region B.
- Every crossing appends an entry to region B's audit chain, in the same transaction as the
  read or write, naming the requesting region, the function, its purpose, how many items crossed
  and whose data they were (the functions call ``note_subjects``; the people are kept erasable,
  see ``regions.audit``). The actor is the requesting region and whether a member or an
  anonymous visitor asked, never who: a viewer's identity is their personal data and stays home.

Work inside the home region goes straight to its own stores (no audit: nothing crosses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from havre.blobs import BlobStore
from havre.regions import audit
from havre.regions.registry import Region, Regions, ResidencyViolation, crossing_into

P = ParamSpec("P")
T = TypeVar("T")
Reader = Callable[Concatenate[Session, P], T]

_PUBLIC_READERS: set[Callable[..., Any]] = set()
_AGGREGATE_WRITERS: set[Callable[..., Any]] = set()
_PUBLIC_FILE_READERS: set[Callable[..., Any]] = set()
APPEND_ATTEMPTS = 8


def public_reader(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a ``(session, ...) -> data`` function as returning only public data."""
    _PUBLIC_READERS.add(fn)
    return fn


def aggregate_writer(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a ``(session, ...) -> result`` function as writing only anonymous aggregates."""
    _AGGREGATE_WRITERS.add(fn)
    return fn


def public_file_reader(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a ``(session, blobs, ...) -> result`` function as serving only public files."""
    _PUBLIC_FILE_READERS.add(fn)
    return fn


_noted: ContextVar[set[str] | None] = ContextVar("havre_audit_subjects", default=None)


def note_subjects(user_ids: Iterable[str]) -> None:
    """Tell the crossing in progress whose data this function read or changed (no-op at home)."""
    noted = _noted.get()
    if noted is not None:
        noted.update(user_ids)


def _count(result: Any) -> int:
    if result is None:
        return 0
    return len(result) if isinstance(result, (list, tuple, set, dict)) else 1


class Gateway:
    """Cross-region access for work served by ``home`` on behalf of ``actor``."""

    def __init__(self, regions: Regions, *, home: Region, actor: str) -> None:
        self.regions = regions
        self.home = home
        self.actor = actor

    def read(self, target: Region, reader: Reader[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if target.name == self.home.name:
            with target.session() as s:
                return reader(s, *args, **kwargs)
        self._allowed(reader, _PUBLIC_READERS, "public reader")
        return self._crossing(target, reader, "read", lambda s: reader(s, *args, **kwargs))

    def read_all(self, reader: Reader[P, T], *args: P.args, **kwargs: P.kwargs) -> list[tuple[Region, T]]:
        """Run a reader in every region (home first); foreign ones through the audited door."""
        ordered = [self.home] + [r for r in self.regions if r.name != self.home.name]
        return [(region, self.read(region, reader, *args, **kwargs)) for region in ordered]

    def write_aggregate(self, target: Region, writer: Reader[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if target.name == self.home.name:
            with target.session() as s:
                result = writer(s, *args, **kwargs)
                s.commit()
                return result
        self._allowed(writer, _AGGREGATE_WRITERS, "aggregate writer")
        return self._crossing(target, writer, "write", lambda s: writer(s, *args, **kwargs))

    def serve_file(self, target: Region, fn: Callable[Concatenate[Session, BlobStore, P], T],
                   *args: P.args, **kwargs: P.kwargs) -> T:
        """Check access and build a response for a file of ``target`` (a public video's media)."""
        if target.name == self.home.name:
            with target.session() as s:
                return fn(s, target.blobs, *args, **kwargs)
        self._allowed(fn, _PUBLIC_FILE_READERS, "public file reader")
        return self._crossing(target, fn, "file", lambda s: fn(s, target.blobs, *args, **kwargs))

    def _allowed(self, fn: Callable[..., Any], registry: set[Callable[..., Any]], what: str) -> None:
        if fn not in registry:
            raise ResidencyViolation(f"{fn.__qualname__} is not a {what}; it cannot cross regions")

    def _crossing(self, target: Region, fn: Callable[..., Any], verb: str, run: Callable[[Session], T]) -> T:
        with crossing_into(target.name):
            for attempt in range(APPEND_ATTEMPTS):
                noted: set[str] = set()
                token = _noted.set(noted)
                try:
                    with target.session() as s:
                        result = run(s)
                        audit.record(s, actor=self.actor, action=f"{verb}:{fn.__module__}.{fn.__qualname__}",
                                     purpose=fn.__doc__.strip().splitlines()[0] if fn.__doc__ else fn.__qualname__,
                                     from_region=self.home.name, subjects=noted,
                                     details={"items": _count(result)} if verb == "read" else {})
                        try:
                            s.commit()
                            return result
                        except IntegrityError:
                            # Another crossing took the same chain position: do it again on top of it.
                            s.rollback()
                            if attempt == APPEND_ATTEMPTS - 1:
                                raise
                finally:
                    _noted.reset(token)
        raise AssertionError("unreachable")


def gateway_for(regions: Regions, home: Region, *, member: bool) -> Gateway:
    return Gateway(regions, home=home, actor=f"{home.name}:{'member' if member else 'visitor'}")
