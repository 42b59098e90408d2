"""Login throttling cannot be dodged by claiming new addresses, and a botnet cannot guess one
account's password: X-Forwarded-For counts only from configured proxies, and failures are also
counted per account, whatever the address."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from havre import commands
from havre.accounts.models import AccountLoginFailure, LoginFailure
from havre.accounts.throttle import ACCOUNT_MAX_FAILURES, account_locked_until
from havre.app import create_app
from havre.config import Settings, load_settings
from havre.regions import Regions
from havre.web.client_address import resolve_client
from tests.conftest import PASSWORD, ApiClient

WRONG = "not the password at all"


def _client(app: Any, peer: str) -> ApiClient:
    client = ApiClient(app, client=(peer, 40000))
    client.__enter__()
    client.prime_csrf()
    return client


@contextmanager
def served_like_havre_serve(settings: Settings, monkeypatch: pytest.MonkeyPatch, peer: str) -> Iterator[ApiClient]:
    """The app as `havre serve` hands it to uvicorn (with uvicorn's own handling of forwarded
    headers), reached from ``peer``."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = commands.uvicorn_config(settings, host="127.0.0.1", port=8000)
    config.log_config = None  # leave logging alone
    app = config.app
    assert isinstance(app, FastAPI)
    config.load()
    client = _client(config.loaded_app, peer)
    try:
        yield client
    finally:
        client.__exit__(None, None, None)
        app.state.regions.close()


def _login(client: ApiClient, password: str, forwarded_for: str | None = None, handle: str = "sam") -> Any:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/auth/login", json={"handle": handle, "password": password}, headers=headers)


def test_rotating_forwarded_for_from_an_untrusted_peer_is_still_throttled(
        settings: Settings, regions: Regions, client: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    client.signup("sam")
    # A guesser on the same machine as `havre serve` (uvicorn trusts 127.0.0.1 by default).
    with served_like_havre_serve(settings, monkeypatch, peer="127.0.0.1") as guesser:
        for n in range(settings.login_max_failures):
            assert _login(guesser, WRONG, f"198.51.100.{n}").status_code == 400
        blocked = _login(guesser, PASSWORD, "198.51.100.99")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_forwarded_for_counts_from_a_trusted_proxy(
        settings: Settings, regions: Regions, client: ApiClient) -> None:
    client.signup("sam")
    proxied = create_app(dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8",)), regions=regions)
    proxy = _client(proxied, "10.1.2.3")
    try:
        for _ in range(settings.login_max_failures):
            assert _login(proxy, WRONG, "203.0.113.7").status_code == 400
        # The same client, whatever it prepends itself: the proxy appended the address it saw.
        assert _login(proxy, PASSWORD, "203.0.113.7").status_code == 429
        assert _login(proxy, PASSWORD, "192.0.2.55, 203.0.113.7").status_code == 429
        # Someone else behind the same proxy is not held up by that client's failures.
        assert _login(proxy, PASSWORD, "203.0.113.8").status_code == 200
        # A second trusted hop is skipped: the client is the last address that is not ours.
        assert _login(proxy, PASSWORD, "203.0.113.7, 10.9.9.9").status_code == 429
    finally:
        proxy.__exit__(None, None, None)


def test_forwarded_for_counts_through_havre_serve_when_the_proxy_is_configured(
        settings: Settings, regions: Regions, client: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    client.signup("sam")
    trusting = dataclasses.replace(settings, trusted_proxies=("127.0.0.1/32",))
    with served_like_havre_serve(trusting, monkeypatch, peer="127.0.0.1") as proxy:
        for _ in range(settings.login_max_failures):
            assert _login(proxy, WRONG, "203.0.113.7").status_code == 400
        assert _login(proxy, PASSWORD, "203.0.113.7").status_code == 429
        assert _login(proxy, PASSWORD, "203.0.113.8").status_code == 200


def test_the_account_limit_trips_across_many_addresses_and_lifts_by_itself(
        settings: Settings, regions: Regions, client: ApiClient) -> None:
    client.signup("sam")
    proxied = create_app(dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8",)), regions=regions)
    botnet = _client(proxied, "10.1.2.3")
    try:
        for n in range(ACCOUNT_MAX_FAILURES):  # one guess per address: the per-address limit never trips
            assert _login(botnet, WRONG, f"203.0.113.{n}").status_code == 400
        blocked = _login(botnet, PASSWORD, "198.51.100.1")  # even the right password, from anywhere
        assert blocked.status_code == 429
        assert 3000 < int(blocked.headers["retry-after"]) <= 3600
        page = botnet.post("/login", data={"handle": "sam", "password": PASSWORD, "next": "/",
                                           "csrf_token": botnet.cookies["havre_csrf"]})
        assert page.status_code == 429 and int(page.headers["retry-after"]) > 3000
        # Unknown handles are counted alike: the lock does not tell who has an account.
        for n in range(ACCOUNT_MAX_FAILURES):
            assert _login(botnet, WRONG, f"203.0.113.{n}", handle="nobody").status_code == 400
        assert _login(botnet, WRONG, "198.51.100.1", handle="nobody").status_code == 429
        # An hour later the owner gets in.
        with regions.default.session() as s:
            for row in [*s.scalars(select(AccountLoginFailure)), *s.scalars(select(LoginFailure))]:
                row.at -= timedelta(minutes=61)
            s.commit()
        assert _login(botnet, PASSWORD, "198.51.100.1").status_code == 200
    finally:
        botnet.__exit__(None, None, None)


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _burst(start: datetime, n: int = ACCOUNT_MAX_FAILURES) -> list[datetime]:
    return [start + timedelta(seconds=i) for i in range(n)]


def test_account_locks_double_each_time_and_are_capped() -> None:
    assert account_locked_until(_burst(T0, ACCOUNT_MAX_FAILURES - 1)) is None
    # Spread over more than an hour, the failures earn no lock.
    assert account_locked_until([T0 + timedelta(minutes=4 * i) for i in range(ACCOUNT_MAX_FAILURES)]) is None
    failures: list[datetime] = []
    start, locks = T0, []
    for _ in range(7):  # a guesser who comes back the moment each lock ends
        failures += _burst(start)
        until = account_locked_until(failures)
        assert until is not None
        locks.append(until - failures[-1])
        start = until
    hours = [lock / timedelta(hours=1) for lock in locks]
    assert hours == [1, 2, 4, 8, 16, 24, 24]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("198.51.100.7", ["203.0.113.1"], (), "198.51.100.7"),  # nobody trusted: the header is ignored
    ("198.51.100.7", ["203.0.113.1"], ("10.0.0.0/8",), "198.51.100.7"),  # not from our proxy
    ("10.0.0.2", ["203.0.113.1"], ("10.0.0.0/8",), "203.0.113.1"),
    ("10.0.0.2", ["6.6.6.6, 203.0.113.1"], ("10.0.0.0/8",), "203.0.113.1"),  # the client's own claim is left
    ("10.0.0.2", ["6.6.6.6", "203.0.113.1, 10.0.0.3"], ("10.0.0.0/8",), "203.0.113.1"),  # several headers
    ("::ffff:10.0.0.2", ["2001:db8::1"], ("10.0.0.0/8",), "2001:db8::1"),  # a dual-stack socket's peer
    ("10.0.0.2", [], ("10.0.0.0/8",), "10.0.0.2"),
    ("testclient", ["203.0.113.1"], ("10.0.0.0/8",), "testclient"),
])
def test_the_client_address(peer: str, forwarded: list[str], trusted: tuple[str, ...], expected: str) -> None:
    assert resolve_client(peer, forwarded, trusted) == expected


def test_a_malformed_trusted_proxy_fails_at_startup(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("HAVRE_TRUSTED_PROXIES", "10.0.0.1, not-an-address")
    with pytest.raises(ValueError, match="not-an-address"):
        load_settings(data_dir=tmp_path)
    monkeypatch.setenv("HAVRE_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert load_settings(data_dir=tmp_path).trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16")
