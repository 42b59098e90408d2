"""Server-side request forgery: a member's import makes the server fetch only public addresses,
whatever the spelling, the redirects or the DNS answers. Every test that could reach inside points
at a real loopback listener that counts connections, and asserts it counted none."""

from __future__ import annotations

import dataclasses
import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from havre.config import Settings
from havre.imports import ytdlp
from havre.imports.fetch import COULD_NOT_CONNECT, FetchError, FetchPolicy, download
from havre.imports.plan import plan_source
from havre.imports.tiktok_export import ExportError
from havre.net.guarded import OPERATOR, Guard, Refused
from tests.conftest import ApiClient
from tests.imports.exports import middle_layout, post, write_zip
from tests.security.listeners import BODY, closed_port, http_listener, raw_listener, tls_listener

FAST = FetchPolicy(attempts=2, backoff_s=0.01, timeout_s=5.0, max_bytes=1 << 20)
MEMBER = Guard.for_members()
PUBLIC = "93.184.216.34"

# Every spelling of an address inside: loopback, private, link-local (cloud metadata), CGNAT,
# "this host", v6 loopback/link-local/unique-local, v4 inside v6 (mapped, 6to4, NAT64, compatible),
# the numeric forms the C library accepts, multicast, reserved, broadcast, documentation.
INSIDE = ["127.0.0.1", "127.255.255.254", "localhost", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
          "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "[::1]", "[::]", "[fe80::1]", "[fc00::1]",
          "[fd12:3456::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "[2002:7f00:1::1]",
          "[2002:a9fe:a9fe::]", "[64:ff9b::7f00:1]", "[64:ff9b::a00:1]", "[::127.0.0.1]", "2130706433",
          "0x7f000001", "0x7f.1", "017700000001", "0177.0.0.1", "127.1", "0", "224.0.0.1", "239.255.255.250",
          "[ff02::1]", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1", "[2001:db8::1]", "LOCALHOST."]
# The ones that lead to the listener on 127.0.0.1 (0.0.0.0 does, on Linux).
TO_LOOPBACK = ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "0x7f.1", "017700000001", "127.1",
               "0.0.0.0", "[::ffff:127.0.0.1]"]


@pytest.fixture
def max_items() -> int:
    return Settings.import_max_items


@pytest.fixture
def settings(settings: Settings, max_items: int) -> Settings:
    """An instance as installed: no allowlist."""
    assert settings.import_allow_hosts == ()
    return dataclasses.replace(settings, import_max_items=max_items)


@pytest.mark.parametrize("host", INSIDE)
def test_every_spelling_of_an_inside_address_is_refused(host: str) -> None:
    with pytest.raises((Refused, httpx.InvalidURL)):  # httpx itself rejects a few spellings (0177.0.0.1)
        MEMBER.pin(httpx.URL(f"http://{host}:8080/video.mp4"))


@pytest.mark.parametrize("host", [PUBLIC, "[2606:2800:220:1:248:1893:25c8:1946]", "[2002:5db8:d822::1]",
                                  "[64:ff9b::5db8:d822]", "1572395042"])
def test_public_addresses_pass(host: str) -> None:
    assert str(MEMBER.pin(httpx.URL(f"https://{host}/video.mp4"))) != ""


@pytest.mark.parametrize("host", TO_LOOPBACK)
def test_no_spelling_of_loopback_gets_a_request_through(host: str, tmp_path: Path) -> None:
    with http_listener() as inside, pytest.raises(FetchError) as refused:
        download(inside.url(host), tmp_path / "video", guard=MEMBER, policy=FAST)
    assert inside.hits == 0 and refused.value.template == COULD_NOT_CONNECT
    assert not (tmp_path / "video").exists()


def test_the_operator_cli_guard_fetches_what_it_is_given(tmp_path: Path) -> None:
    with http_listener() as inside:  # also shows the listener above would have counted a request
        assert download(inside.url(), tmp_path / "video", guard=OPERATOR, policy=FAST) == len(BODY)
    assert inside.hits == 1


def test_names_resolving_inside_are_refused_even_with_a_public_answer_among_them() -> None:
    for answers in (["10.1.2.3"], [PUBLIC, "127.0.0.1"], ["fd00::1", PUBLIC]):
        def resolve(host: str, port: int, answers: list[str] = answers) -> list[str]:
            return answers

        guard = Guard.for_members(resolve=resolve)
        with pytest.raises(Refused):
            guard.pin(httpx.URL("https://cdn.example/video.mp4"))


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"])
def test_a_redirect_from_an_allowlisted_host_to_an_inside_one_is_refused(target_host: str, tmp_path: Path) -> None:
    with http_listener() as cdn, http_listener() as inside:
        guard = Guard.for_members([f"127.0.0.1:{cdn.port}"])  # the CDN's port only
        hop = cdn.url(path="/redirect?to=" + quote(inside.url(target_host), safe=""))
        with pytest.raises(FetchError) as refused:
            download(hop, tmp_path / "video", guard=guard, policy=FAST)
        assert (cdn.hits, inside.hits) == (1, 0) and refused.value.template == COULD_NOT_CONNECT
        assert download(cdn.url(), tmp_path / "video", guard=guard, policy=FAST) == len(BODY)  # allowlisted


def test_redirects_are_followed_a_bounded_number_of_times(tmp_path: Path) -> None:
    with http_listener() as cdn:
        with pytest.raises(FetchError):
            download(cdn.url(path="/loop"), tmp_path / "video", guard=Guard.for_members(["127.0.0.1"]),
                     policy=dataclasses.replace(FAST, attempts=1))
    assert cdn.hits == Guard.max_redirects + 1


def test_dns_rebinding_cannot_swap_the_checked_address() -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"]])  # public when checked, inside the second time
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    connected: list[httpx.Request] = []

    def connect(request: httpx.Request) -> httpx.Response:  # where the connection really goes
        connected.append(request)
        return httpx.Response(200, content=b"video")

    guard = Guard.for_members(resolve=resolve)
    with http_listener() as inside:
        url = f"https://rebind.example:{inside.port}/video.mp4"
        with guard.client(timeout=5, connect=lambda: httpx.MockTransport(connect)) as client:
            with guard.get(client, url) as response:
                assert response.read() == b"video"
            with pytest.raises(Refused):  # the next request resolves again, and is checked again
                with guard.get(client, url):
                    pass
    assert asked == ["rebind.example", "rebind.example"] and inside.hits == 0
    (request,) = connected
    assert (request.url.host, request.url.port) == (PUBLIC, inside.port)  # the address that was checked
    assert request.headers["host"] == f"rebind.example:{inside.port}"
    assert request.extensions["sni_hostname"] == "rebind.example"  # TLS still checks the name


def test_a_member_import_fetches_nothing_inside_neither_videos_nor_the_profile_photo(
        client: ApiClient, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    with http_listener() as inside:
        export = write_zip(tmp_path / "export.zip", middle_layout(
            [post("2021-06-01 10:00:00", inside.url(host)) for host in ("127.0.0.1", "2130706433", "localhost")],
            profilePhoto=inside.url(path="/me.jpg")))
        run_id = client.post("/api/imports", files={"file": ("export.zip", export.read_bytes(), "application/zip")},
                             data={"links": ""}).json()["id"]
        run_jobs()
        assert inside.hits == 0
    report = client.get(f"/api/imports/{run_id}").json()
    assert report["imported"] == [] and len(report["failed"]) == 4
    assert {item["reason"] for item in report["failed"][:3]} == {COULD_NOT_CONNECT}
    assert report["failed"][3]["reason"] == f"profile picture not imported: {COULD_NOT_CONNECT}"
    assert client.get("/api/users/lea").json().get("avatar_url") is None


def test_links_to_anything_but_tiktok_never_reach_yt_dlp(
        client: ApiClient, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    with http_listener() as inside:
        links = [inside.url(), inside.url("localhost", "/@lea/video/7001"), inside.url("2130706433", "/watch")]
        run_id = client.post("/api/imports", data={"links": "\n".join(links)}).json()["id"]
        run_jobs()
        with pytest.raises(FetchError, match="is not a TikTok video link"):  # not even for the operator
            ytdlp.download_page(inside.url(), tmp_path, guard=OPERATOR, policy=FAST)
        with pytest.raises(Refused), ytdlp._youtube_dl({}, OPERATOR) as ydl:  # yt-dlp's own requests: TikTok only
            ydl.urlopen(inside.url())
        assert inside.hits == 0
    report = client.get(f"/api/imports/{run_id}").json()
    assert [item["label"] for item in report["failed"]] == links
    assert all("is not a TikTok video link" in item["reason"] for item in report["failed"])


@pytest.mark.parametrize("max_items", [3])
def test_an_import_with_more_items_than_the_cap_is_refused_before_any_fetch(
        client: ApiClient, settings: Settings, tmp_path: Path, run_jobs: Callable[..., int]) -> None:
    client.signup("lea")
    with http_listener() as inside:
        posts = [post(f"2021-06-0{day} 10:00:00", inside.url(path=f"/{day}.mp4")) for day in range(1, 5)]
        export = write_zip(tmp_path / "export.zip", middle_layout(posts))  # a few hundred bytes, four fetches
        run_id = client.post("/api/imports", files={"file": ("export.zip", export.read_bytes(), "application/zip")},
                             data={"links": ""}).json()["id"]
        run_jobs()
        pasted = client.post("/api/imports", data={"links": "\n".join(
            f"https://www.tiktok.com/@lea/video/{n}" for n in range(4))})
        with pytest.raises(ExportError, match="more than 3 videos"):  # the operator's CLI has the same cap
            plan_source(str(export), guard=OPERATOR, max_items=settings.import_max_items)
        assert inside.hits == 0
    report = client.get(f"/api/imports/{run_id}").json()
    assert report["status"] == "failed" and report["total"] == 0
    assert "more than 3 videos" in report["error"] and "HAVRE_IMPORT_MAX_ITEMS" in report["error"]
    assert pasted.status_code == 400 and "more than 3 videos" in pasted.json()["detail"]
    assert plan_source(str(export), guard=OPERATOR, max_items=4).items


def test_error_texts_say_nothing_about_which_ports_are_open(tmp_path: Path) -> None:
    with http_listener() as http, raw_listener() as redis_like:
        ports = [http.port, redis_like.port, closed_port()]
        member = [_error(f"http://127.0.0.1:{port}/v.mp4", MEMBER, tmp_path) for port in ports]
        # Even where loopback is allowlisted (a mirror there), what is not HTTP reads as a closed port.
        mirror = [_error(f"http://127.0.0.1:{port}/v.mp4", Guard.for_members(["127.0.0.1"]), tmp_path)
                  for port in ports[1:]]
        assert http.hits == 0
    assert member == [COULD_NOT_CONNECT] * 3 and mirror == [COULD_NOT_CONNECT] * 2


def _error(url: str, guard: Guard, tmp_path: Path) -> str:
    with pytest.raises(FetchError) as failed:
        download(url, tmp_path / "video", guard=guard, policy=FAST)
    return str(failed.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for media.example (openssl, as Debian ships it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=media.example", "-addext", "subjectAltName=DNS:media.example", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_https_goes_to_the_checked_address_with_the_name_in_sni_host_and_certificate_check(
        certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    def trusting() -> httpx.BaseTransport:
        return httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(cert)))

    resolve = lambda host, port: ["127.0.0.1"]  # noqa: E731 - the names exist only here
    with tls_listener(cert, key) as (listener, names, hosts):
        guard = Guard.for_members(["media.example", "other.example"], resolve=resolve)
        with guard.client(timeout=5, connect=trusting) as client:
            with guard.get(client, f"https://media.example:{listener.port}/v.mp4") as response:
                assert response.read() == BODY
            # The certificate is checked against the name asked for, not the address, even where a
            # connection to that address is open already (the listener keeps connections alive).
            with pytest.raises(httpx.ConnectError), guard.get(client, f"https://other.example:{listener.port}/"):
                pass
    assert names[0] == "media.example" and hosts == [f"media.example:{listener.port}"]
