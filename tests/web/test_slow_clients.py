"""Slow clients against a real `havre serve`: a request's headers must be in within HEADER_TIMEOUT_S
(slowloris), and one address holds at most MAX_CONNECTIONS_PER_ADDRESS connections; another address,
and a trusted proxy, are served meanwhile (web/connections.py)."""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from havre.config import Settings
from havre.regions import Regions
from havre.web.connections import HEADER_TIMEOUT_S, MAX_CONNECTIONS_PER_ADDRESS
from tests.havre_serve import Served, havre_servers

SLACK_S = 3.0  # timers fire on a shared event loop, on a busy machine
OVER = 8  # connections past the cap, from the capped address
ATTACKER, NEIGHBOUR, PROXY, KEPT_ALIVE = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"


@dataclass
class Slow:
    """A connection that sends a request line, then one header line a second, never the blank line."""

    sock: socket.socket
    source: str
    opened: float
    closed: float | None = None


def _connect(served: Served, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=5, source_address=(source, 0))
    sock.setblocking(False)
    return sock


def _open_slow(served: Served, source: str) -> Slow:
    slow = Slow(sock=_connect(served, source), source=source, opened=time.monotonic())
    slow.sock.sendall(b"GET /api/feed/foryou HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return slow


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (it never answers a request that has no end)."""
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


@contextmanager
def _selector(conns: list[Slow]) -> Iterator[selectors.DefaultSelector]:
    with selectors.DefaultSelector() as selector:
        for conn in conns:
            selector.register(conn.sock, selectors.EVENT_READ, conn)
        yield selector


def _watch(conns: list[Slow], *, until: float) -> None:
    """Trickle a header line a second on each open connection and note when the server closes it,
    until all are closed or ``until`` (monotonic) passes."""
    next_line = time.monotonic() + 1.0
    with _selector([c for c in conns if c.closed is None]) as selector:
        while any(c.closed is None for c in conns) and time.monotonic() < until:
            for key, _ in selector.select(timeout=0.05):
                conn: Slow = key.data
                if _closed_by_server(conn.sock):
                    conn.closed = time.monotonic()
                    selector.unregister(conn.sock)
            if time.monotonic() >= next_line:
                next_line += 1.0
                for conn in conns:
                    if conn.closed is None:
                        try:
                            conn.sock.send(b"X-Slow: still here\r\n")
                        except OSError:  # closed under us: the selector sees it next round
                            pass


def _get(served: Served, source: str) -> int:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=served.url, transport=transport, timeout=10) as client:
        return client.get("/api/feed/foryou").status_code


@pytest.mark.slow
def test_slow_headers_are_cut_off_and_one_address_cannot_take_every_connection(
        settings: Settings, regions: Regions, tmp_path: Path) -> None:
    with ExitStack() as stack, havre_servers(settings, tmp_path, 1,
                                             env={"HAVRE_TRUSTED_PROXIES": PROXY}) as [served]:
        time.sleep(0.5)  # the start-up check's connections (from ATTACKER's address) are gone from the count
        attack = [_open_slow(served, ATTACKER) for _ in range(MAX_CONNECTIONS_PER_ADDRESS + OVER)]
        # A trusted proxy carries many clients: it may hold more than the cap, slow ones are still cut.
        proxied = [_open_slow(served, PROXY) for _ in range(MAX_CONNECTIONS_PER_ADDRESS + OVER)]
        for conn in attack + proxied:
            stack.callback(conn.sock.close)
        # A kept-alive connection: its first request answered, its next one trickles in.
        kept = Slow(sock=_connect(served, KEPT_ALIVE), source=KEPT_ALIVE, opened=0.0)
        stack.callback(kept.sock.close)
        kept.sock.setblocking(True)
        kept.sock.sendall(b"GET /api/feed/foryou HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert kept.sock.recv(65536).startswith(b"HTTP/1.1 200")  # the whole small page, in practice
        kept.opened = time.monotonic()  # its deadline started when the response ended, just before
        kept.sock.setblocking(False)
        kept.sock.sendall(b"GET /api/feed/foryou HTTP/1.1\r\n")

        _watch(attack + proxied + [kept], until=time.monotonic() + 2.0)
        refused = [c for c in attack if c.closed is not None]
        assert len(refused) == OVER, f"{len(refused)} of {len(attack)} closed at once; the cap is per address"
        assert all(c.closed is None for c in proxied), "a trusted proxy must not be capped"
        # Meanwhile the capped address gets nothing more, and another address is served as usual.
        assert _get(served, NEIGHBOUR) == 200
        with pytest.raises(httpx.HTTPError):
            _get(served, ATTACKER)

        everyone = attack + proxied + [kept]
        _watch(everyone, until=time.monotonic() + HEADER_TIMEOUT_S + SLACK_S)
        still_open = [c for c in everyone if c.closed is None]
        assert not still_open, f"{len(still_open)} slow connections still open after {HEADER_TIMEOUT_S + SLACK_S} s"
        held = [c.closed - c.opened for c in everyone if c not in refused and c.closed is not None]
        assert HEADER_TIMEOUT_S - 0.5 <= min(held) and max(held) <= HEADER_TIMEOUT_S + SLACK_S, (min(held), max(held))
        assert _get(served, ATTACKER) == 200  # its connections closed, the address is counted down
