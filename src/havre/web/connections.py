"""Connections before they are requests: how long a client may take to send a request's headers,
and how many connections one address may hold open.

uvicorn bounds the idle time between requests (``timeout_keep_alive``) but not the time headers
take: any byte cancels its keep-alive timer, so a client that sends a header line every few seconds
(slowloris) holds a connection, and its memory, for as long as it likes, and nothing bounds how
many of them one address opens. An ASGI middleware cannot help: the app is called only once the
headers are in. So `havre serve` runs uvicorn with ``guarded_protocol``: uvicorn's own HTTP/1.1
protocol (httptools, which ``uvicorn[standard]`` always brings and uvicorn's "auto" picks) plus

- a header deadline: ``HEADER_TIMEOUT_S`` from the moment a connection opens, or a response ends on
  a kept-alive one, to the end of the next request's headers; past it the connection is closed.
  A body has its own limits once the app reads it (``web.limits``);
- a cap of ``MAX_CONNECTIONS_PER_ADDRESS`` open connections per peer address; one more is closed
  as soon as it is accepted. A trusted proxy's connections (``HAVRE_TRUSTED_PROXIES``) are not
  counted: they carry every client behind it. They still have the header deadline.

The count lives in a ``ConnectionGuard`` made for one server (one event loop, so no lock).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from havre.web.client_address import is_trusted_peer

log = logging.getLogger(__name__)

# A browser or a proxy sends its headers in one packet, a phone on a poor network within a couple
# of seconds; a request line trickling in for longer than this is holding a connection, not asking.
HEADER_TIMEOUT_S = 10.0
# A browser opens at most 6 connections to a host over HTTP/1.1; this leaves room for a household
# or an office behind one address. Behind a proxy, configure HAVRE_TRUSTED_PROXIES: it is exempt.
MAX_CONNECTIONS_PER_ADDRESS = 64


@dataclass
class ConnectionGuard:
    """One server's open connections per peer address, and its limits."""

    trusted_proxies: tuple[str, ...] = ()
    header_timeout_s: float = HEADER_TIMEOUT_S
    max_per_address: int = MAX_CONNECTIONS_PER_ADDRESS
    open: Counter[str] = field(default_factory=Counter)
    _capped: set[str] = field(default_factory=set)  # addresses at the cap, warned about once each

    def counts(self, host: str) -> bool:
        return not is_trusted_peer(host, self.trusted_proxies)

    def admit(self, host: str) -> bool:
        """Count one more connection from ``host``; False (not counted) when it would be too many."""
        if self.open[host] >= self.max_per_address:
            if host not in self._capped:
                self._capped.add(host)
                log.warning("%s holds %d connections: more are closed until some end", host, self.max_per_address)
            return False
        self.open[host] += 1
        return True

    def release(self, host: str) -> None:
        self.open[host] -= 1
        if self.open[host] <= 0:
            del self.open[host]
        self._capped.discard(host)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the header deadline and the per-address cap of ``guard``."""

    guard: ClassVar[ConnectionGuard]  # each server binds its own: ``guarded_protocol``

    _counted: str | None = None  # the address this connection is counted under
    _refused = False
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else None
        if host is not None and self.guard.counts(host):
            if not self.guard.admit(host):
                # Closed before uvicorn sets anything up for it: a flood costs an accept and a close.
                self._refused = True
                transport.close()
                return
            self._counted = host
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return  # uvicorn never saw it
        self._disarm_header_deadline()
        if self._counted is not None:
            self.guard.release(self._counted)
            self._counted = None
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm_header_deadline()  # the transport goes to another protocol: its timers are its own
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request on this connection gets the same time for its headers, unless it has
        # already sent them (pipelined: self.cycle is then that request, still unanswered).
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.guard.header_timeout_s, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            log.debug("closed a connection from %s: no complete request headers within %s s",
                      self.client[0] if self.client else "?", self.guard.header_timeout_s)
            self.transport.close()


def guarded_protocol(guard: ConnectionGuard) -> type[GuardedProtocol]:
    """A protocol class bound to ``guard`` (uvicorn makes one protocol per connection from a class)."""

    class Guarded(GuardedProtocol):
        pass

    Guarded.guard = guard
    return Guarded
