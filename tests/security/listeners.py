"""Loopback listeners that count every connection: an SSRF test asserts that none was made."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BODY = b"\x00\x00\x00\x18ftypmp42 secret internal video"


@dataclass
class Listener:
    port: int
    hits: int = 0  # connections accepted, whatever was said on them

    def url(self, host: str = "127.0.0.1", path: str = "/clip.mp4") -> str:
        return f"http://{host}:{self.port}{path}"


class _Counting:
    listener: Listener

    def verify_request(self, request: object, client_address: object) -> bool:
        self.listener.hits += 1
        return True


@contextmanager
def http_listener() -> Iterator[Listener]:
    """An internal HTTP service: answers every GET with a "video"; ``/redirect?to=URL`` redirects,
    ``/loop`` redirects to itself."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            query = parse_qs(urlsplit(self.path).query)
            if self.path.startswith(("/redirect", "/loop")):
                self.send_response(302)
                self.send_header("Location", query["to"][0] if "to" in query else "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    class Server(_Counting, ThreadingHTTPServer):
        pass

    with _serving(Server, Handler) as listener:
        yield listener


@contextmanager
def raw_listener() -> Iterator[Listener]:
    """An internal service that does not speak HTTP (as Redis or PostgreSQL): answers, hangs up."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(1024)
            self.request.sendall(b"-ERR unknown command 'GET'\r\n")

    class Server(_Counting, socketserver.ThreadingTCPServer):
        daemon_threads = True

    with _serving(Server, Handler) as listener:
        yield listener


@contextmanager
def _serving(server_class: type, handler: type) -> Iterator[Listener]:
    server = server_class(("127.0.0.1", 0), handler)
    server.listener = listener = Listener(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def tls_listener(cert: Path, key: Path) -> Iterator[tuple[Listener, list[str | None], list[str]]]:
    """An HTTPS service with the certificate ``cert``; yields it, the SNI names and Host headers it saw."""
    names: list[str | None] = []
    hosts: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def seen(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = seen

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections open for the next request

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    class Server(_Counting, ThreadingHTTPServer):
        def get_request(self) -> tuple[socket.socket, Any]:
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    with _serving(Server, Handler) as listener:
        yield listener, names, hosts
