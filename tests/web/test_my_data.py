"""Settings → "Download my data" and "Where my data lives", through the JSON routes the page uses."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from havre.accounts.models import User
from havre.blobs import keys
from havre.config import Settings
from havre.jobs.models import Job
from havre.portability import export_requests
from havre.portability.models import DataExport
from havre.portability.residency import audit_residency
from havre.regions import Regions
from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload_ready


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("us", "eu")


def test_download_my_data_builds_in_the_background_then_offers_the_archive(
        client: ApiClient, regions: Regions, h264_clip: Path, run_jobs: Callable[..., int]) -> None:
    user_id = client.signup("nina", region="eu")["id"]
    video = upload_ready(client, h264_clip, run_jobs, caption="à moi")
    assert client.get("/api/me/exports/latest").json() is None
    started = client.post("/api/me/exports")
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued" and started.json()["download_url"] is None
    run_jobs({"portability.build_export"})
    ready = client.get("/api/me/exports/latest").json()
    assert ready["status"] == "ready" and ready["done"] == ready["total"] > 0
    archive = client.get(ready["download_url"])
    assert archive.status_code == 200
    assert "attachment" in archive.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["user"]["handle"] == "nina" and manifest["counts"]["videos"] == 1
        assert any(e["path"].startswith(f"files/videos/{video}/original") for e in manifest["files"])
    # Kept in the home region only.
    assert regions.get("eu").blobs.exists(keys.export_archive(user_id, ready["id"]))
    assert not regions.get("us").blobs.exists(keys.export_archive(user_id, ready["id"]))
    again = client.post("/api/me/exports")  # one a day
    assert again.status_code == 429 and "once a day" in again.json()["detail"]


def test_someone_elses_archive_is_not_found(client: ApiClient, make_client: Callable[[], ApiClient],
                                             run_jobs: Callable[..., int]) -> None:
    client.signup("nina", region="eu")
    url = client.post("/api/me/exports").json()["id"]
    run_jobs({"portability.build_export"})
    other = make_client()
    other.signup("omar", region="eu")
    assert other.get(f"/api/me/exports/{url}/archive.zip").status_code == 404
    assert client.get(f"/api/me/exports/{url}/archive.zip").status_code == 200


def test_many_requests_at_once_build_one_archive(client: ApiClient, regions: Regions,
                                                 run_jobs: Callable[..., int]) -> None:
    user_id = client.signup("nina", region="eu")["id"]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post("/api/me/exports"), range(8)))
    assert {a.status_code for a in answers} <= {202, 429}
    assert len({a.json()["id"] for a in answers if a.status_code == 202}) == 1
    with regions.get("eu").session() as s:
        assert s.scalar(select(func.count()).select_from(DataExport).where(DataExport.user_id == user_id)) == 1
    run_jobs({"portability.build_export"})
    assert client.get("/api/me/exports/latest").json()["status"] == "ready"


def test_expired_archives_are_deleted(client: ApiClient, regions: Regions, run_jobs: Callable[..., int]) -> None:
    user_id = client.signup("nina", region="eu")["id"]
    export_id = client.post("/api/me/exports").json()["id"]
    run_jobs({"portability.build_export"})
    eu = regions.get("eu")
    with eu.session() as s:
        row = s.get(DataExport, export_id)
        assert row is not None and row.expires_at is not None
        row.expires_at = row.created_at  # seven days later
        s.commit()
    assert client.get("/api/me/exports/latest").json()["status"] == "expired"
    assert export_requests.sweep(eu) == 1
    assert not eu.blobs.exists(keys.export_archive(user_id, export_id))
    assert client.get("/api/me/exports/latest").json() is None


def test_moving_my_data_from_settings(client: ApiClient, settings: Settings, regions: Regions, h264_clip: Path,
                                      run_jobs: Callable[..., int]) -> None:
    user_id = client.signup("nina", region="us")["id"]
    upload_ready(client, h264_clip, run_jobs, caption="déménagement")
    wrong = client.post("/api/me/move", json={"region": "eu", "password": "not my password"})
    assert wrong.status_code == 403 and wrong.json()["field"] == "password"
    # Only a password was asked: the refusal speaks of the password alone, not "handle or password".
    assert wrong.json()["detail"] == "That is not your password; your account was not changed."
    same = client.post("/api/me/move", json={"region": "us", "password": PASSWORD})
    assert same.status_code == 400 and "already lives" in same.json()["detail"]
    started = client.post("/api/me/move", json={"region": "eu", "password": PASSWORD})
    assert started.status_code == 202, started.text
    status_url = started.json()["status_url"]
    assert client.get(status_url).json()["state"] == "waiting"
    twice = client.post("/api/me/move", json={"region": "eu", "password": PASSWORD})
    assert twice.status_code == 409
    run_jobs()
    done = client.get(status_url).json()
    assert done == {"state": "done", "target": "eu", "progress": 1.0, "error": None}
    assert regions.directory.region_of_user(user_id) == "eu"
    assert client.get("/api/me").status_code == 401  # the move logged them out
    login = client.post("/api/auth/login", json={"handle": "nina", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["home_region"] == "eu"
    residency = audit_residency(settings, regions)
    assert residency.ok, residency.as_dict()
    assert client.get("/api/moves/not-a-token").status_code == 404


def test_deleting_my_account_from_settings_then_changing_my_mind(client: ApiClient, regions: Regions) -> None:
    user_id = client.signup("nina", region="eu")["id"]
    wrong = client.post("/settings/delete", data={"password": "not it", "csrf_token": client.cookies["havre_csrf"]},
                        follow_redirects=False)
    # Back to Settings, saying why: the address names the page shown, and a reload posts nothing again.
    assert wrong.status_code == 303 and wrong.headers["location"] == "/settings?delete_error=password#delete"
    shown = client.get(wrong.headers["location"])
    assert shown.status_code == 200 and "That is not your password; your account was not changed." in shown.text
    assert "not your password" not in client.get("/settings?delete_error=Hacked").text  # a code, never text
    page = client.post("/settings/delete", data={"password": PASSWORD, "csrf_token": client.cookies["havre_csrf"]})
    assert page.status_code == 200 and "will be deleted on" in page.text
    assert client.get("/api/me").status_code == 401  # logged out
    back = client.post("/login", data={"handle": "nina", "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/settings?deletion_cancelled=1"
    assert "your account will not be deleted" in client.get(back.headers["location"]).text
    with regions.get("eu").session() as s:
        user = s.get(User, user_id)
        assert user is not None and user.delete_after is None


def test_the_api_asks_for_a_deletion_with_the_password(client: ApiClient) -> None:
    client.signup("nina", region="eu")
    assert client.post("/api/me/deletion", json={"password": "nope"}).status_code == 403
    asked = client.post("/api/me/deletion", json={"password": PASSWORD})
    assert asked.status_code == 202 and asked.json()["delete_after"]
    assert client.get("/api/me").status_code == 401


def test_many_move_requests_at_once_start_one_move(client: ApiClient, regions: Regions) -> None:
    user_id = client.signup("nina", region="us")["id"]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: client.post("/api/me/move", json={"region": "eu", "password": PASSWORD}),
                                range(6)))
    assert sorted(a.status_code for a in answers).count(202) == 1, [a.text for a in answers]
    assert {a.status_code for a in answers} <= {202, 409}
    with regions.get("us").session() as s:
        moves = [j for j in s.scalars(select(Job).where(Job.kind == "portability.move"))
                 if j.payload["user_id"] == user_id]
        assert len(moves) == 1


def test_a_password_body_over_the_limit_is_refused_before_it_is_read(client: ApiClient, regions: Regions) -> None:
    user_id = client.signup("nina", region="us")["id"]
    huge = "x" * (64 * 1024)
    for url in ("/api/me/move", "/api/me/deletion"):
        response = client.post(url, json={"region": "eu", "password": huge})
        assert response.status_code == 413, (url, response.text)
    with regions.get("us").session() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "portability.move")) == 0
        user = s.get(User, user_id)
        assert user is not None and user.delete_after is None
