"""The guarded fetcher: fetch a URL someone gave us without letting them reach our own network.

Server-side request forgery (SSRF) turns "fetch this link" into "probe the server's network":
loopback services (PostgreSQL, Redis), the cloud metadata endpoint (169.254.169.254), the LAN.
A ``Guard`` says what may be reached; a client from ``Guard.client`` enforces it on every request,
and ``Guard.get`` follows redirects itself, a bounded number of times, each hop checked again:

1. the host is read the way the C library reads it (``2130706433``, ``0x7f.1``, ``017700000001``
   and ``127.1`` are all 127.0.0.1), or else resolved once, through ``Guard.resolve``;
2. every address is checked: loopback, private, link-local, CGNAT, multicast, reserved and
   documentation ranges are refused, v4 or v6, including v6 forms that carry a v4 address
   (``::ffff:127.0.0.1``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``);
3. the connection goes to the address that was checked: the URL's host is replaced by it and the
   name stays in the Host header and, for https, in SNI and the certificate check. A second DNS
   answer (rebinding) never gets a say.

Hosts on the allowlist (``host`` or ``host:port``, by name as written in the URL) may be private:
an operator's mirror, the tests' stand-in CDN. ``OPERATOR`` allows every address; only the
operator's own command line uses it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another origin.
CREDENTIALS = frozenset({"authorization", "cookie", "proxy-authorization"})

_BLOCKED_V4 = tuple(ipaddress.IPv4Network(net) for net in (
    "0.0.0.0/8",  # "this network": a connection to 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # private
    "100.64.0.0/10",  # carrier-grade NAT
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local: where clouds serve instance metadata and credentials
    "192.0.0.0/24", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # protocols, documentation
    "192.88.99.0/24",  # 6to4 relays
    "198.18.0.0/15",  # benchmarking
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and the broadcast address
))
_BLOCKED_V6 = tuple(ipaddress.IPv6Network(net) for net in (
    "::/8",  # unspecified, loopback, v4-compatible (::127.0.0.1) and v4-translated forms
    "64:ff9b:1::/48",  # local-use NAT64
    "100::/64",  # discard
    "2001::/23",  # protocol assignments, Teredo included
    "2001:db8::/32",  # documentation
    "fc00::/7",  # unique local
    "fe80::/10", "fec0::/10",  # link-local, site-local
    "ff00::/8",  # multicast
))
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")  # one part of an inet_aton address


class Refused(Exception):
    """The guard will not connect there. ``str()`` says why, for the logs; never show it to a member."""


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is on the public internet (False for anything of ours or of nobody's)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None:  # it leads to that v4 address: judge that one
            return is_public(embedded)
        blocked: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = _BLOCKED_V6
    else:
        blocked = _BLOCKED_V4
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not any(address in net for net in blocked))


def literal_ip(host: str) -> IPAddress | None:
    """``host`` as an address when it is one in any spelling the C library accepts, else None.

    inet_aton reads ``2130706433``, ``0x7f.1``, ``017700000001`` and ``127.1`` as 127.0.0.1, and so
    does ``getaddrinfo``: reading them the same way here means none slips past as a "name".
    """
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.fullmatch(part) for part in parts):
        return None
    values = [int(p[2:] or "0", 16) if p[:2] in ("0x", "0X") else int(p, 8) if p.startswith("0") else int(p)
              for p in parts]
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (5 - len(parts)):
        return None  # not an address: getaddrinfo would look it up as a name, and find nothing
    return ipaddress.IPv4Address(sum(value << (24 - 8 * i) for i, value in enumerate(head)) + last)


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def host_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` as (lower-case host, port or None)."""
    text = entry.strip().lower()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if not host or not (port.isdigit() or not port):
        raise ValueError(f"{entry!r} is not host or host:port")
    return host.removesuffix("."), int(port) if port else None


@dataclass(frozen=True, kw_only=True)
class Guard:
    """What may be fetched: public addresses plus ``allow_hosts`` (``public_only``), or anything."""

    public_only: bool = True
    allow_hosts: frozenset[tuple[str, int | None]] = frozenset()
    resolve: Resolver = system_resolve
    max_redirects: int = 5

    @classmethod
    def for_members(cls, allow_hosts: Iterable[str] = (), *, resolve: Resolver = system_resolve) -> Guard:
        """Public addresses only, except the named hosts (``host`` or ``host:port``)."""
        return cls(allow_hosts=frozenset(host_port(entry) for entry in allow_hosts if entry.strip()),
                   resolve=resolve)

    def allowlisted(self, host: str, port: int) -> bool:
        return (host, None) in self.allow_hosts or (host, port) in self.allow_hosts

    def pin(self, url: httpx.URL) -> IPAddress:
        """The address to connect to for ``url``: resolved once, then checked. Raises Refused."""
        if url.scheme not in ("http", "https"):
            raise Refused(f"{url.scheme}: is not http(s)")
        host = url.host.lower().removesuffix(".")
        port = url.port or (443 if url.scheme == "https" else 80)
        literal = literal_ip(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                answers = self.resolve(url.raw_host.decode("ascii").removesuffix("."), port)
                addresses = [ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers]
            except (OSError, UnicodeError, ValueError):
                raise Refused(f"{host} does not resolve") from None
            if not addresses:
                raise Refused(f"{host} does not resolve")
        if self.public_only and not self.allowlisted(host, port):
            # Every answer, not just the first: a name that can lead inside is refused outright.
            inside = [address for address in addresses if not is_public(address)]
            if inside:
                raise Refused(f"{host}:{port} is at {inside[0]}, not a public address")
        return addresses[0]

    def client(self, *, timeout: float, headers: Mapping[str, str] | None = None,
               connect: Callable[[], httpx.BaseTransport] = httpx.HTTPTransport) -> httpx.Client:
        """A client whose every request passes the guard. It follows no redirect: use ``get``.
        ``connect`` makes the transport that really connects (tests give a stand-in)."""
        return httpx.Client(transport=GuardedTransport(self, connect), follow_redirects=False, trust_env=False,
                            timeout=timeout, headers=headers)

    @contextmanager
    def get(self, client: httpx.Client, url: str, *,
            headers: Mapping[str, str] | None = None) -> Iterator[httpx.Response]:
        """GET ``url`` as a stream, following up to ``max_redirects`` redirects, each one checked."""
        current = httpx.URL(url)
        sent = dict(headers or {})
        for _ in range(self.max_redirects + 1):
            response = client.send(client.build_request("GET", current, headers=sent), stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            target = current.join(location)
            if (target.scheme, target.host, target.port) != (current.scheme, current.host, current.port):
                sent = {k: v for k, v in sent.items() if k.lower() not in CREDENTIALS}
            current = target
        raise Refused(f"more than {self.max_redirects} redirects")


OPERATOR = Guard(public_only=False)


class GuardedTransport(httpx.BaseTransport):
    """Sends each request to the address ``Guard.pin`` checked, never to a name resolved later.

    Connections are pooled by address, so each name gets a pool of its own: a connection opened
    (and its certificate checked) for one name is never reused for another at the same address."""

    def __init__(self, guard: Guard, connect: Callable[[], httpx.BaseTransport]) -> None:
        self.guard, self.connect = guard, connect
        self.pools: dict[tuple[str, bytes, int | None], httpx.BaseTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        address = self.guard.pin(request.url)
        origin = (request.url.scheme, request.url.raw_host, request.url.port)
        if origin not in self.pools:
            self.pools[origin] = self.connect()
        extensions = dict(request.extensions)
        if request.url.scheme == "https":  # the certificate is checked against the name, not the address
            extensions["sni_hostname"] = request.url.raw_host.decode("ascii")
        # Given a stream, httpx.Request keeps the headers as they are: Host still names the host.
        pinned = httpx.Request(request.method, request.url.copy_with(host=str(address)),
                               headers=request.headers, stream=request.stream, extensions=extensions)
        return self.pools[origin].handle_request(pinned)

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
