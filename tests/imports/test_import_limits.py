"""How much a member may import (issue 21): one import at a time, from the page as from the
operator's CLI (which has no daily count: tests/web/test_rate_limits.py has the page's), and an
upload no larger than the 256 MiB docs/security.md states, refused before a byte is read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from havre.accounts.models import User
from havre.config import Settings
from havre.db.base import utcnow
from havre.errors import TooManyRequests
from havre.imports import quota
from havre.imports.models import DONE, RUNNING, ImportRun
from havre.portability.archive_import import import_archive
from havre.regions import Regions
from tests.conftest import ApiClient
from tests.imports.archives import user_row, write_archive
from tests.security.test_bodies import MIB, read_response, send_head, server, signed_in  # noqa: F401 (fixture)

LINK = "https://www.tiktok.com/@lea/video/7100000000000000001"


def _runs(regions: Regions, user_id: str, count: int, *, status: str = DONE, age: timedelta = timedelta()) -> None:
    with regions.default.session() as s:
        s.add_all(ImportRun(user_id=user_id, source_kind="urls", source=LINK, status=status,
                            created_at=utcnow() - age) for _ in range(count))
        s.commit()


def test_one_import_at_a_time_from_the_page(client: ApiClient, regions: Regions,
                                             run_jobs: Callable[..., int]) -> None:
    me = client.signup("lea")
    _runs(regions, me["id"], 1, status=RUNNING, age=timedelta(days=3))  # abandoned: its process died long ago
    assert client.post("/api/imports", data={"links": LINK}).status_code == 202
    second = client.post("/api/imports", data={"links": LINK})
    assert second.status_code == 429 and second.headers["retry-after"] == str(quota.BUSY_RETRY_S)
    assert "has not finished yet" in second.json()["detail"]
    french = client.post("/api/imports", data={"links": LINK}, headers={"Accept-Language": "fr"})
    assert "pas encore terminé" in french.json()["detail"]
    run_jobs()  # the first ends (the link cannot be fetched here): the next may start
    assert client.post("/api/imports", data={"links": LINK}).status_code == 202


def test_the_cli_keeps_one_at_a_time_but_not_a_daily_count(
        client: ApiClient, settings: Settings, regions: Regions, tmp_path: Path) -> None:
    me = client.signup("sam")
    _runs(regions, me["id"], 15)  # finished today: more than the page's 10 a day
    archive = write_archive(tmp_path / "sam.zip", data={"users": [user_row()]})
    assert import_archive(regions, settings, handle="sam", path=archive).status == "done"
    _runs(regions, me["id"], 1, status=RUNNING)
    with pytest.raises(TooManyRequests, match="@sam has an import that has not finished"):
        import_archive(regions, settings, handle="sam", path=write_archive(tmp_path / "other.zip", data={
            "users": [user_row(bio="other")]}))
    with regions.default.session() as s:
        user = s.get(User, me["id"])
        assert user is not None
        with pytest.raises(TooManyRequests):
            quota.admit(s, user, from_page=False)


def test_an_upload_over_256_mib_is_refused_before_it_is_read(server: tuple[str, int]) -> None:  # noqa: F811
    member = signed_in(server)
    sock = send_head(server, "POST", "/api/imports", {**member, "Content-Type": "multipart/form-data; boundary=x",
                                                      "Content-Length": str(257 * MIB)})
    status, body = read_response(sock)  # answered with the body never sent
    assert status == 413 and "256 MiB" in body["detail"]
