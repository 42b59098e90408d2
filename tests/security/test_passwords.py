"""New passwords: not one of the most common (guessed first, on every account), and at most 1 KiB."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest

from havre.accounts.service import MAX_PASSWORD_BYTES, common_passwords
from tests.conftest import PASSWORD, ApiClient

COMMON = "common ones, which are guessed first"


def _signup(client: ApiClient, password: str, handle: str = "sam") -> tuple[int, dict[str, Any]]:
    response = client.post("/api/auth/signup", json={"handle": handle, "password": password})
    return response.status_code, response.json()


@pytest.mark.parametrize("password", ["password1", "Baseball", "ILOVEYOU", "  qwertyuiop ", "TrustNo1"])
def test_common_passwords_are_refused_whatever_their_case(client: ApiClient, password: str) -> None:
    status, body = _signup(client, password)
    assert status == 400 and body["field"] == "password" and COMMON in body["detail"]
    assert client.get("/api/me").status_code == 401


def test_the_signup_page_says_why(client: ApiClient) -> None:
    page = client.post("/signup", data={"handle": "sam", "password": "Sunshine", "next": "/",
                                        "csrf_token": client.cookies["havre_csrf"]})
    assert page.status_code == 400 and COMMON in html.unescape(page.text)
    fr = client.post("/signup", data={"handle": "sam", "password": "Sunshine", "next": "/",
                                      "csrf_token": client.cookies["havre_csrf"]},
                     headers={"Accept-Language": "fr"})
    assert "les plus courants" in html.unescape(fr.text)


def test_passwords_are_at_most_one_kib(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    status, body = _signup(client, "x" * 1023 + "!y")
    assert status == 400 and body["field"] == "password" and "1024 bytes" in body["detail"]
    # Counted in UTF-8 bytes: 513 accented letters are 1,026 bytes.
    assert _signup(client, "é" * 513)[0] == 400
    longest = "é" * 500 + "x" * (MAX_PASSWORD_BYTES - 1000)
    assert _signup(client, longest)[0] == 201
    other = make_client()
    assert other.post("/api/auth/login", json={"handle": "sam", "password": longest}).status_code == 200
    too_long = other.post("/api/auth/login", json={"handle": "sam", "password": longest + "x"})
    assert too_long.status_code == 400 and "1024 bytes" in too_long.json()["detail"]


def test_an_uncommon_password_is_welcome(client: ApiClient) -> None:
    assert _signup(client, PASSWORD)[0] == 201


def test_the_shipped_list_holds_thousands_of_passwords_signup_would_otherwise_take() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 4000
    assert all(len(p) >= 8 and p == p.casefold() for p in passwords)
    assert {"password", "12345678", "iloveyou"} <= passwords
