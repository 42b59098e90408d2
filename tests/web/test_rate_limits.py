"""Rate limits on actions (web.rate_limits): past its limit an action answers 429 with
Retry-After, in the reader's language; per member from any address, per address for anyone;
uploads and imports refused before their body is read; the docs' table is the code's."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from havre.regions import Regions
from havre.social.models import Comment
from havre.web import rate_limits
from tests.conftest import ApiClient
from tests.feed.rows import add_videos

ROOT = Path(__file__).resolve().parents[2]
HALF_A_MINUTE_IN = 1_800_000_030.0  # 30 s into a minute, an hour and a day


@pytest.fixture(autouse=True)
def still_clock(app: FastAPI) -> None:
    """The limits' clock held still: windows are fixed, and one ending in the middle of a test
    would let its next requests through."""
    app.state.limiter.clock = lambda: HALF_A_MINUTE_IN


def _video(regions: Regions, make_client: Callable[[], ApiClient]) -> str:
    make_client().signup("maker")
    return add_videos(regions, "maker", ["Clip"])[0]


def test_comments_past_the_limit_get_429_with_retry_after_in_french_too(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    video = _video(regions, make_client)
    client.signup("chatty")
    codes = [client.post(f"/api/videos/{video}/comments", json={"body": f"n{n}"}).status_code for n in range(12)]
    assert codes == [201] * 10 + [429] * 2
    refused = client.post(f"/api/videos/{video}/comments", json={"body": "again"}, headers={"Accept-Language": "fr"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert re.fullmatch(r"Tu fais ça trop souvent\u202f; réessaie dans \d+ secondes\.", refused.json()["detail"])
    with regions.default.session() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 10  # nothing of a refused one is kept


def test_a_member_is_limited_from_any_address_and_an_address_whoever_signs_in(
        app: FastAPI, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    video = _video(regions, make_client)
    with ApiClient(app) as first:
        first.prime_csrf()
        first.signup("liker")
        session = first.cookies["havre_session"]
        assert all(first.post(f"/api/videos/{video}/like").status_code == 200 for _ in range(40))
        with ApiClient(app) as elsewhere:  # the same member, another address: the same count
            elsewhere.cookies.set("havre_session", session)
            elsewhere.prime_csrf()
            codes = [elsewhere.delete(f"/api/videos/{video}/like").status_code for _ in range(25)]
            assert codes == [200] * 20 + [429] * 5
    # One address, many members: 300 likes a minute for all of them together.
    office = [ApiClient(app, address="192.0.2.50") for _ in range(6)]
    for n, member in enumerate(office):
        with ApiClient(app) as at_home:  # signed up elsewhere (sign-ups have a limit of their own)
            at_home.prime_csrf()
            at_home.signup(f"colleague{n}")
            member.cookies.set("havre_session", at_home.cookies["havre_session"])
        member.__enter__()
        member.prime_csrf()
    codes = [member.post(f"/api/videos/{video}/like").status_code for _ in range(55) for member in office]
    assert codes.count(200) == 300 and codes[-1] == 429
    for member in office:
        member.__exit__(None, None, None)


def test_signups_from_one_address_are_limited_before_the_password_is_hashed(app: FastAPI) -> None:
    with ApiClient(app, address="192.0.2.9") as same:
        same.prime_csrf()
        codes = [same.post("/api/auth/signup", json={"handle": f"bot{n}", "password": "correct horse battery"},
                           ).status_code for n in range(7)]
        same.cookies.clear()
        same.prime_csrf()
        page = same.post("/signup", data={"handle": "bot8", "password": "correct horse battery",
                                          "csrf_token": same.cookies["havre_csrf"]}, headers={"Accept": "text/html"})
    assert codes[:5] == [201] * 5 and codes[5:] == [429, 429]
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 60
    assert "too often" in page.text and "<form" in page.text  # the sign-up page, saying why
    with ApiClient(app) as other:  # another address is not held back
        other.prime_csrf()
        other.signup("person")


def test_follows_shares_and_views_are_limited(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    video = _video(regions, make_client)
    client.signup("fan")
    follows = [client.post("/api/users/maker/follow").status_code for _ in range(31)]
    assert follows == [200] * 30 + [429]
    shares = [client.post(f"/api/videos/{video}/share").status_code for _ in range(31)]
    assert shares == [200] * 30 + [429]
    views = [client.post(f"/api/videos/{video}/views", json={"watch_ms": 500}).status_code for _ in range(121)]
    assert views == [204] * 120 + [429]


def test_uploads_and_imports_past_the_limit_are_refused_before_the_body_is_read(
        client: ApiClient, regions: Regions, app: FastAPI) -> None:
    me = client.signup("uploader")
    limiter = app.state.limiter
    with regions.default.session() as s:  # as if 20 uploads and 10 imports had been sent this hour
        for action, times in (("upload", 20), ("import", 10)):
            for _ in range(times):
                rate_limits.wait_s(limiter, s, action, member_id=me["id"], client="198.51.100.1")
        s.commit()
    # A declared body of 400 MiB that is never sent: only a refusal before reading can answer.
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(400 << 20)}
    upload = client.post("/api/videos", content=b"--x--", headers=headers)
    assert upload.status_code == 429 and int(upload.headers["Retry-After"]) > 0
    started = client.post("/api/imports", content=b"--x--", headers=headers)
    assert started.status_code == 429 and "too often" in started.json()["detail"]


def test_parallel_comments_never_pass_the_limit(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    video = _video(regions, make_client)
    client.signup("burst")
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda n: client.post(f"/api/videos/{video}/comments",
                                                    json={"body": f"b{n}"}).status_code, range(24)))
    assert codes.count(201) == 10 and codes.count(429) == 14


def test_the_security_page_lists_every_rate_limit_as_the_code_has_it() -> None:
    page = (ROOT / "docs" / "security.md").read_text()
    assert rate_limits.docs_table() in page, "regenerate docs/security.md's table: python scripts/docs_tables.py"


def test_refused_event_batches_count_too_and_the_limit_counts_events_not_requests(
        client: ApiClient, make_client: Callable[[], ApiClient], regions: Regions) -> None:
    video = _video(regions, make_client)
    client.signup("prober")
    unknown = {"events": [{"video_id": "nosuchvideo", "kind": "play"}] * 20}
    assert [client.post("/api/events", json=unknown).status_code for _ in range(29)] == [404] * 29  # 580 events
    good = {"events": [{"video_id": video, "kind": "play"}] * 20}
    assert client.post("/api/events", json=good).status_code == 204  # 600: the last within the minute
    refused = client.post("/api/events", json={"events": [{"video_id": video, "kind": "play"}]})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
