"""Bodies are judged before they are read: declared sizes, anonymous and CSRF-less uploads, chunked
bodies past the limit, small forms, slow bodies, and requests another site makes a browser send."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from havre.app import create_app
from havre.config import Settings
from havre.regions import Regions
from havre.web import limits
from tests.conftest import PASSWORD, ApiClient, served_in_thread

MIB = 2**20


@pytest.fixture
def server(settings: Settings, regions: Regions) -> Iterator[tuple[str, int]]:
    """A real uvicorn server (the limits act on the socket's bytes) with a 1 MiB upload limit."""
    small = dataclasses.replace(settings, media=dataclasses.replace(settings.media, max_upload_bytes=MIB))
    with served_in_thread(create_app(small, regions=regions)) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def create_app_url(server: tuple[str, int]) -> str:
    return f"http://{server[0]}:{server[1]}"


def signed_in(server: tuple[str, int]) -> dict[str, str]:
    """Cookies and headers of a member, as a browser holds them."""
    import httpx

    with httpx.Client(base_url=create_app_url(server)) as c:
        c.get("/api/feed/foryou")
        csrf = c.cookies["havre_csrf"]
        r = c.post("/api/auth/signup", json={"handle": "lea", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        csrf = r.headers["x-csrf-token"]  # signing up rotated the token
        return {"Cookie": f"havre_csrf={csrf}; havre_session={c.cookies['havre_session']}", "X-CSRF-Token": csrf}


def send_head(server: tuple[str, int], method: str, path: str, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection(server, timeout=30)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {server[0]}:{server[1]}", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.close()
    return status, json.loads(body) if body.startswith(b"{") else {}


def test_a_declared_size_over_the_limit_is_refused_before_any_byte_is_read(server: tuple[str, int]) -> None:
    member = signed_in(server)
    sock = send_head(server, "POST", "/api/videos", {**member, "Content-Type": "multipart/form-data; boundary=x",
                                                     "Content-Length": str(640 * MIB)})
    status, body = read_response(sock)  # answered with the body never sent
    assert status == 413 and "MiB" in body["detail"]


@pytest.mark.parametrize("path", ["/api/videos", "/api/imports", "/api/me/avatar"])
def test_anonymous_or_csrf_less_uploads_are_refused_before_their_body(server: tuple[str, int], path: str) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(600 * MIB)}
    assert read_response(send_head(server, "POST", path, headers))[0] == 403  # no CSRF header
    anonymous = {"Cookie": "havre_csrf=abcdefghijklmnopqrstuvwxyz", "X-CSRF-Token": "abcdefghijklmnopqrstuvwxyz"}
    assert read_response(send_head(server, "POST", path, {**headers, **anonymous}))[0] == 401  # no session
    forged = {**anonymous, "Cookie": anonymous["Cookie"] + "; havre_session=local.forged"}
    assert read_response(send_head(server, "POST", path, {**headers, **forged}))[0] == 401


def test_a_chunked_body_is_stopped_at_the_limit(server: tuple[str, int]) -> None:
    member = signed_in(server)
    sock = send_head(server, "POST", "/api/videos", {**member, "Transfer-Encoding": "chunked",
                                                     "Content-Type": "multipart/form-data; boundary=x"})
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
    sent = 0
    chunk = b"x" * 65536
    try:
        while sent < 64 * MIB:  # far past the 1 MiB limit: the server must answer and stop reading first
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, body = read_response(sock)
    assert status == 413 and sent < 32 * MIB, body


def test_sign_in_forms_are_bounded_to_a_few_kib(server: tuple[str, int]) -> None:
    form = b"handle=lea&password=" + b"p" * 10_000
    sock = send_head(server, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                                "Content-Length": str(len(form))})
    assert read_response(sock)[0] == 413
    sock = send_head(server, "POST", "/api/auth/login", {"Content-Type": "application/json",
                                                         "Content-Length": str(300 * MIB)})
    assert read_response(sock)[0] == 413


def test_a_stalled_body_is_cut_off(server: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BODY_IDLE_S", 1.0)
    sock = send_head(server, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                                "Content-Length": "100"})
    sock.sendall(b"handle=lea")  # ...and then nothing more
    status, body = read_response(sock)
    assert status == 408


@pytest.mark.parametrize("header", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                    {"Origin": "null"}])
def test_a_request_another_site_makes_a_browser_send_is_refused(client: ApiClient, header: dict[str, str]) -> None:
    client.signup("lea")
    assert client.post("/api/users/lea/follow", headers=header).status_code == 403
    assert client.patch("/api/me", json={"bio": "pwned"}, headers=header).status_code == 403
    assert client.get("/api/me").json()["bio"] != "pwned"
    same_site = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.patch("/api/me", json={"bio": "hello"}, headers=same_site).status_code == 200


def test_a_csrf_token_planted_from_elsewhere_is_refused(
        client: ApiClient, make_client: Callable[[], ApiClient]) -> None:
    """A token is bound to its session: another session's (or a visitor's) token, even sent as both
    cookie and header, does not authorize anything."""
    client.signup("lea")
    attacker = make_client()
    attacker.signup("mallory")
    planted = attacker.cookies["havre_csrf"]
    client.cookies.delete("havre_csrf")
    client.cookies.set("havre_csrf", planted)
    client.headers["X-CSRF-Token"] = planted
    assert client.patch("/api/me", json={"bio": "pwned"}).status_code == 403
    visitor = make_client().cookies["havre_csrf"]  # a visitor's token, before signing in
    client.cookies.delete("havre_csrf")
    client.cookies.set("havre_csrf", visitor)
    client.headers["X-CSRF-Token"] = visitor
    assert client.patch("/api/me", json={"bio": "pwned"}).status_code == 403
