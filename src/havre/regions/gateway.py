"""The cross-region gateway: the one way work served for region A reaches region B.

Policy, enforced here:
- Reads from another region run only *public readers*: functions registered with
  ``@public_reader`` that return public data (public videos and profiles, public comments, or
  followers-only videos for a viewer whose follow the home region has checked). Anything else
  raises ``ResidencyViolation``.
- Writes into another region are only *aggregate writers* (``@aggregate_writer``): anonymous
  counter changes (likes, views, followers), notices carrying public ids, and item pairs that at
  least k viewers produced (``recs.sharing``). Nothing that names
  a person of region A is ever written in region B.
- Every crossing is on region B's audit chain before anything it carried is served, naming the
  requesting region, the function, its purpose, how many items crossed and whose data they were
  (the functions call ``note_subjects``; the people are kept erasable, see ``regions.audit``).
  The actor is the requesting region and whether a member or an anonymous visitor asked, never
  who: a viewer's identity is their personal data and stays home.
  - A write, and any crossing outside a web request (jobs, the CLI), appends its own entry in
    the same transaction as the write or read.
  - The reads of one web request are tallied in a ``CrossingLedger`` and appended as one entry
    per region crossed into when the request ends, before its response leaves; if that append
    fails the response is replaced by an error (``web.crossings``). So reads never wait on the
    chain one by one, and a feed page costs one append, not one per reader.
  - Media files: the first file of a video that a browsing session fetches from region B is
    recorded; its other files (every HLS segment) within ``MEDIA_ONCE_S`` are covered by that
    entry, in each server process (``once_per``).

Work inside the home region goes straight to its own stores (no audit: nothing crosses).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from havre.blobs import BlobStore
from havre.kept import Kept
from havre.regions import audit
from havre.regions.registry import Region, Regions, ResidencyViolation, crossing_into

P = ParamSpec("P")
T = TypeVar("T")
Reader = Callable[Concatenate[Session, P], T]

_PUBLIC_READERS: set[Callable[..., Any]] = set()
_AGGREGATE_WRITERS: set[Callable[..., Any]] = set()
_PUBLIC_FILE_READERS: set[Callable[..., Any]] = set()
MEDIA_ONCE_S = 3600.0


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


@dataclass
class _Tally:
    """What one request read from one region: per function, calls and items; whose data."""

    actor: str
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    once_keys: list[tuple[str, str]] = field(default_factory=list)


class CrossingLedger:
    """The reads one web request made in other regions, appended as one entry per region."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def __bool__(self) -> bool:
        return bool(self._tallies)

    def note(self, region: str, *, actor: str, action: str, purpose: str, items: int, subjects: set[str],
             once_key: str | None) -> None:
        tally = self._tallies.setdefault(region, _Tally(actor=actor))
        call = tally.calls.setdefault(action, {"purpose": purpose, "calls": 0, "items": 0})
        call["calls"] += 1
        call["items"] += items
        tally.subjects |= subjects
        if once_key is not None:
            tally.once_keys.append((region, once_key))

    def append(self, regions: Regions, *, home: str, purpose: str) -> None:
        """Write one entry per region crossed into, each in its own transaction."""
        for name, tally in self._tallies.items():
            target = regions.get(name)
            with crossing_into(name), target.session() as s:
                audit.record(s, actor=tally.actor, action="request", purpose=purpose[:256], from_region=home,
                             subjects=tally.subjects, details={"crossings": tally.calls})
                s.commit()
            _MEDIA_SEEN.put_all((key, True) for key in tally.once_keys)
        self._tallies.clear()


# (region, key) pairs whose crossing is already on the chain: in memory only, and bounded; it holds
# hashes of browsing sessions, never who they are.
_MEDIA_SEEN: Kept[tuple[str, str], bool] = Kept(max_items=100_000, ttl_s=MEDIA_ONCE_S)


@dataclass(frozen=True)
class Gateway:
    """Cross-region access for work served by ``home`` on behalf of ``actor``.

    With a ``ledger`` (a web request) reads are tallied there and appended when the request ends;
    without one every crossing appends its own entry at once.
    """

    regions: Regions
    home: Region
    actor: str
    ledger: CrossingLedger | None = None
    once_key: str | None = None
    home_session: Session | None = None
    """The request's one session at home, when it has one (``RequestContext.one_session``): the
    reads at home and ``home_db`` go through it. Writes into a region get a session of their own."""

    @contextmanager
    def home_db(self) -> Iterator[Session]:
        """A session of the home region for the caller's own work (it commits): the shared one
        when there is one, else its own."""
        if self.home_session is not None:
            yield self.home_session
            return
        with self.home.session() as s:
            yield s

    @contextmanager
    def home_work(self) -> Iterator[Session]:
        """A session of the home region to write on, for an action that commits nothing itself:
        the request's own, which its route commits, else one of its own, committed when the block
        ends without an error."""
        if self.home_session is not None:
            yield self.home_session
            return
        with self.home.session() as s:
            yield s
            s.commit()

    def once_per(self, key: str) -> Gateway:
        """The same gateway, recording the crossings it makes at most once per ``key`` and region
        within MEDIA_ONCE_S (a browsing session and a video: not every HLS segment)."""
        return dataclasses.replace(self, once_key=key)

    def read(self, target: Region, reader: Reader[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if target.name == self.home.name:
            with self.home_db() as s:
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

    def write_aggregate_file(self, target: Region,
                             writer: Callable[Concatenate[Session, BlobStore, P], Callable[[Session], T]],
                             *args: P.args, **kwargs: P.kwargs) -> T:
        """Write an anonymous aggregate file into ``target``'s blob store (k-anonymous item pairs).

        Files are not transactional, so the crossing is recorded first: the writer checks what it
        is given and returns the write, the audit entry commits, and only then does the write run
        (in a session of its own, for the locks it takes, through the gateway's door again: the
        work may be served for the home region). No file lands unrecorded; an entry whose write
        then failed is the harmless side."""
        if target.name == self.home.name:
            with target.session() as s:
                write = writer(s, target.blobs, *args, **kwargs)
            door: AbstractContextManager[None] = nullcontext()
        else:
            self._allowed(writer, _AGGREGATE_WRITERS, "aggregate writer")
            write = self._crossing(target, writer, "write", lambda s: writer(s, target.blobs, *args, **kwargs))
            # The recorded crossing's second half: work served for home (a job, a request) may open
            # the target only through this door, which _crossing closed when its entry committed.
            door = crossing_into(target.name)
        with door, target.session() as s:
            result = write(s)
            s.commit()
            return result

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
        action = f"{verb}:{fn.__module__}.{fn.__qualname__}"
        purpose = fn.__doc__.strip().splitlines()[0] if fn.__doc__ else fn.__qualname__
        deferred = self.ledger is not None and verb != "write"
        recorded = self.once_key is not None and (target.name, self.once_key) in _MEDIA_SEEN
        noted: set[str] = set()
        token = _noted.set(noted)
        try:
            with crossing_into(target.name), target.session() as s:
                result = run(s)
                if recorded:
                    return result
                if deferred:
                    assert self.ledger is not None
                    self.ledger.note(target.name, actor=self.actor, action=action, purpose=purpose,
                                     items=_count(result), subjects=noted, once_key=self.once_key)
                    return result
                audit.record(s, actor=self.actor, action=action, purpose=purpose, from_region=self.home.name,
                             subjects=noted, details={"items": _count(result)} if verb == "read" else {})
                s.commit()
                if self.once_key is not None:
                    _MEDIA_SEEN.put((target.name, self.once_key), True)
                return result
        finally:
            _noted.reset(token)


def gateway_for(regions: Regions, home: Region, *, member: bool, ledger: CrossingLedger | None = None,
                home_session: Session | None = None) -> Gateway:
    return Gateway(regions, home=home, actor=f"{home.name}:{'member' if member else 'visitor'}", ledger=ledger,
                   home_session=home_session)
