"""What does Havre's request stack cost? A trivial route through the whole app vs in a bare FastAPI.

    .venv/bin/python bench/middleware.py [--requests 2000]

The same route (``GET /bench/trivial`` → ``{"ok": true}``) is added to two apps, each served by
uvicorn over keep-alive HTTP:
  1. a bare ``FastAPI()``: the framework's own floor;
  2. Havre's app (``create_app``, an embedded instance): every request passes its middlewares
     (security headers, serving region, CSRF cookie, crossing audit, body limits) and the
     app-wide dependencies, as every page, API call and media request does.
As a visitor and as a signed-in member (whose session cookie the stack resolves). Requests
alternate one by one between the servers, so a busy moment of a shared machine slows all alike.
Prints req/s and the share of the bare app's rate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from http_rate import served  # noqa: E402
from instance import open_instance  # noqa: E402

from havre.app import create_app  # noqa: E402

PATH = "/bench/trivial"


def trivial() -> dict[str, bool]:
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name, ExitStack() as stack:
        bare = FastAPI()
        bare.add_api_route(PATH, trivial)
        instance = open_instance(Path(name))
        stack.callback(instance.close)
        havre = create_app(instance.settings, regions=instance.regions)
        havre.add_api_route(PATH, trivial)
        clients = {"bare FastAPI": stack.enter_context(httpx.Client(base_url=stack.enter_context(served(bare)))),
                   "Havre, visitor": stack.enter_context(httpx.Client(base_url=stack.enter_context(served(havre))))}
        member = clients["Havre, member"] = stack.enter_context(httpx.Client(base_url=str(clients["Havre, visitor"]
                                                                                         .base_url)))
        member.get(PATH)
        member.headers["X-CSRF-Token"] = member.cookies["havre_csrf"]
        signed = member.post("/api/auth/signup", json={"handle": "viewer", "password": "benchmark-pw"})
        assert signed.status_code == 201, signed.text
        for client in clients.values():  # warm up; the visitor keeps the CSRF cookie it was given
            for _ in range(50):
                assert client.get(PATH).status_code == 200
        spent = dict.fromkeys(clients, 0.0)
        for _ in range(args.requests):
            for label, client in clients.items():
                start = time.perf_counter()
                assert client.get(PATH).status_code == 200
                spent[label] += time.perf_counter() - start
    rates = {label: args.requests / seconds for label, seconds in spent.items()}
    floor = rates["bare FastAPI"]
    print(f"GET {PATH}, {args.requests} requests each, alternating, one keep-alive connection per client")
    for label, value in rates.items():
        print(f"  {label:16s} {value:7.0f} req/s  {value / floor:6.1%} of bare  {1000 / value:5.2f} ms")


if __name__ == "__main__":
    main()
