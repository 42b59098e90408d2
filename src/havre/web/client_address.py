"""The address a request comes from, as login throttling counts it.

``X-Forwarded-For`` is a header anyone can send: believed from anyone, it lets a password guesser
claim a new address on every try. So it is read only when the direct peer is a proxy the operator
named (``HAVRE_TRUSTED_PROXIES``), and then from the right: each trusted proxy appends the address
it saw, so the last hop that is not one of ours is the client, and anything to its left is what
the client made up. This is done here, not left to the server, so that it holds whatever runs the
app (``havre serve`` also tells uvicorn the same list; see ``commands.serve_http``).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(host: str) -> Address | None:
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; they are the IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def is_trusted_peer(host: str, trusted: tuple[str, ...]) -> bool:
    """Whether ``host`` (a peer's address as the socket gives it) is one of the trusted proxies."""
    return _is_trusted(_address(host), _networks(trusted))


def resolve_client(peer: str, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, else the last hop of the
    ``X-Forwarded-For`` values (in the order received) that is not a trusted proxy."""
    networks = _networks(trusted)
    if not _is_trusted(_address(peer), networks):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if not _is_trusted(address, networks):
            return str(address) if address is not None else hop
    # Only our proxies on the way (or no header): the first of them is as far as we can see.
    return hops[0] if hops else peer


def client_address(request: HTTPConnection) -> str:
    peer = request.client.host if request.client else "unknown"
    trusted: tuple[str, ...] = request.app.state.settings.trusted_proxies
    return resolve_client(peer, request.headers.getlist("x-forwarded-for"), trusted)
