from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import select

from havre.accounts.models import AuthSession, User
from havre.regions import Regions
from tests.conftest import PASSWORD, ApiClient


def test_signup_logs_in_with_a_safe_cookie_and_stores_only_the_token_hash(
        client: ApiClient, regions: Regions) -> None:
    response = client.post("/api/auth/signup", json={"handle": "Lea_Cuisine", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["handle"] == "lea_cuisine"
    set_cookie = response.headers["set-cookie"].lower()
    assert "havre_session=" in set_cookie and "httponly" in set_cookie and "samesite=lax" in set_cookie
    token = client.cookies["havre_session"].split(".", 1)[1]
    assert client.get("/api/me").json()["handle"] == "lea_cuisine"
    with regions.default.session() as s:
        stored = s.scalars(select(AuthSession.token_hash)).all()
        user = s.scalar(select(User))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_handles_are_unique_and_validated(client: ApiClient) -> None:
    client.signup("nour")
    taken = client.post("/api/auth/signup", json={"handle": "NOUR", "password": PASSWORD})
    assert taken.status_code == 400 and "taken" in taken.json()["detail"]
    bad = client.post("/api/auth/signup", json={"handle": "no spaces!", "password": PASSWORD})
    assert bad.status_code == 400 and bad.json()["field"] == "handle"
    short = client.post("/api/auth/signup", json={"handle": "okname", "password": "short"})
    assert short.status_code == 400 and "8 characters" in short.json()["detail"]


def test_login_logout_and_wrong_password(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    client.signup("marco")
    other = make_client()
    wrong = other.post("/api/auth/login", json={"handle": "marco", "password": "nope nope nope"})
    assert wrong.status_code == 400 and wrong.json()["detail"] == "Wrong handle or password."
    assert other.post("/api/auth/login", json={"handle": "@Marco", "password": PASSWORD}).status_code == 200
    assert other.get("/api/me").status_code == 200
    assert other.post("/api/auth/logout").status_code == 204
    assert other.get("/api/me").status_code == 401


def test_logout_invalidates_the_session_server_side(client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    client.signup("aiko")
    stolen = client.cookies["havre_session"]
    client.post("/api/auth/logout")
    thief = make_client()
    thief.cookies.set("havre_session", stolen)
    assert thief.get("/api/me").status_code == 401


def test_repeated_failures_are_throttled(client: ApiClient) -> None:
    client.signup("sam")
    for _ in range(5):
        assert client.post("/api/auth/login", json={"handle": "sam", "password": "wrong-password"}).status_code == 400
    blocked = client.post("/api/auth/login", json={"handle": "sam", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "try again" in blocked.json()["detail"].lower()


def test_state_changes_need_the_csrf_token(app: FastAPI) -> None:
    with ApiClient(app) as c:
        c.get("/api/feed/foryou")  # has the cookie, but does not send the header
        response = c.post("/api/auth/signup", json={"handle": "mallory", "password": PASSWORD})
        assert response.status_code == 403
        assert "reload the page" in response.json()["detail"]
        c.headers["X-CSRF-Token"] = "forged-token-value-xxxxxxxx"
        assert c.post("/api/auth/signup", json={"handle": "mallory", "password": PASSWORD}).status_code == 403


def test_login_required_errors_say_so(client: ApiClient) -> None:
    response = client.post("/api/videos/whatever/like")
    assert response.status_code == 401 and response.json()["detail"] == "Log in to do that."
