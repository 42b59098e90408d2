"""An authorization matrix over the whole JSON API, generated from its OpenAPI document.

Every operation of ``app.openapi()`` (plus the media route, which the document leaves out) is
tried by four people: the owner of the things it names, another member of the owner's region, a
member of the other region and an anonymous visitor; and, where it names a video or a comment,
for a public, a followers-only, a private and a still-processing video; and with ids that name
nothing (a NUL byte in them, which PostgreSQL cannot even compare), which must get 401 or 404. Each
person holds a valid CSRF token, so what is tested is the permission check itself. Nothing may
succeed for someone the policy below does not allow, no success may show them a video or comment
they may not see, those allowed must get through, and nothing may answer with a server error.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI

from havre.blobs import keys
from havre.regions import Regions
from tests.conftest import PASSWORD, ApiClient
from tests.videos.helpers import upload, upload_ready

OWNER, MEMBER, STRANGER, ANONYMOUS = "owner", "member of the same region", "member of another region", "anonymous"
PEOPLE = (MEMBER, STRANGER, ANONYMOUS, OWNER)  # the owner last: their deletions must not hide others' tries
KINDS = ("public", "followers", "private", "processing")
MALFORMED, MALFORMED_ID = "malformed", "x\x00y"
MEDIA_FILES = ("play.mp4", "poster.jpg")
# Below this many tries the matrix has lost operations, people or kinds without anyone noticing.
FLOOR = 250

# Who may succeed, per operation. Every operation of the document must be here, so a new route
# fails this test until someone decides who may use it.
ANYONE, MEMBERS, OWNER_ONLY = "anyone", "members", "owner only"
POLICY: dict[tuple[str, str], str] = {
    ("POST", "/api/auth/signup"): ANYONE,
    ("POST", "/api/auth/login"): ANYONE,
    ("POST", "/api/auth/logout"): ANYONE,
    ("GET", "/api/me"): MEMBERS,
    ("PATCH", "/api/me"): MEMBERS,
    ("POST", "/api/me/avatar"): MEMBERS,
    ("POST", "/api/me/exports"): MEMBERS,
    ("GET", "/api/me/exports/latest"): MEMBERS,
    ("GET", "/api/me/exports/{export_id}/archive.zip"): OWNER_ONLY,
    ("POST", "/api/me/move"): MEMBERS,
    ("GET", "/api/moves/{token}"): ANYONE,
    ("POST", "/api/me/deletion"): MEMBERS,
    ("GET", "/api/users/{handle}"): ANYONE,
    ("POST", "/api/videos"): MEMBERS,
    ("GET", "/api/videos/{video_id}"): ANYONE,
    ("PATCH", "/api/videos/{video_id}"): OWNER_ONLY,
    ("DELETE", "/api/videos/{video_id}"): OWNER_ONLY,
    ("POST", "/api/videos/{video_id}/like"): MEMBERS,
    ("DELETE", "/api/videos/{video_id}/like"): MEMBERS,
    ("GET", "/api/videos/{video_id}/comments"): ANYONE,
    ("POST", "/api/videos/{video_id}/comments"): MEMBERS,
    ("DELETE", "/api/comments/{comment_id}"): OWNER_ONLY,  # the owner's comment under the owner's video
    ("POST", "/api/videos/{video_id}/share"): ANYONE,
    ("POST", "/api/users/{handle}/follow"): MEMBERS,
    ("DELETE", "/api/users/{handle}/follow"): MEMBERS,
    ("GET", "/api/feed/foryou"): ANYONE,
    ("GET", "/api/feed/following"): MEMBERS,
    ("GET", "/api/feed/tag/{tag}"): ANYONE,
    ("GET", "/api/feed/sound/{sound}"): ANYONE,
    ("GET", "/api/users/{handle}/videos"): ANYONE,
    ("POST", "/api/videos/{video_id}/views"): ANYONE,
    ("POST", "/api/events"): ANYONE,  # a visitor's are accepted and dropped: kept for members only
    ("POST", "/api/imports"): MEMBERS,
    ("GET", "/api/imports/{run_id}"): OWNER_ONLY,
    ("GET", "/api/interests/suggested"): ANYONE,
    ("GET", "/api/me/interests"): MEMBERS,
    ("PUT", "/api/me/interests"): MEMBERS,
    ("GET", "/api/users/{handle}/followers"): ANYONE,
    ("GET", "/api/users/{handle}/following"): ANYONE,
    ("GET", "/api/users/{handle}/liked"): OWNER_ONLY,  # until the owner makes their likes public
    ("PUT", "/api/me/pinned"): MEMBERS,  # one of their own videos, checked by the body
    ("DELETE", "/api/me/pinned"): MEMBERS,
    ("GET", "/api/me/saved"): MEMBERS,
    ("POST", "/api/videos/{video_id}/save"): MEMBERS,
    ("DELETE", "/api/videos/{video_id}/save"): MEMBERS,
    ("GET", "/api/me/drafts"): MEMBERS,
    ("POST", "/api/videos/{video_id}/publish"): OWNER_ONLY,
}
# Operations that change what the others may see or remove what they name run after the rest,
# in this order (following the owner shows their followers-only video; logging out ends a session).
LATE = [("POST", "/api/users/{handle}/follow"), ("DELETE", "/api/users/{handle}/follow"),
        ("DELETE", "/api/videos/{video_id}/like"), ("DELETE", "/api/comments/{comment_id}"),
        ("DELETE", "/api/videos/{video_id}"), ("POST", "/api/auth/logout")]


@pytest.fixture
def region_names() -> tuple[str, ...]:
    return ("eu", "us")


@dataclasses.dataclass
class World:
    people: dict[str, ApiClient]
    videos: dict[str, str]  # kind -> id
    comments: dict[str, str]  # kind -> the owner's comment under that video
    run_id: str
    export_id: str  # the owner's "Download my data" archive, built


@pytest.fixture
def browsers(app: FastAPI) -> Iterator[Callable[[], ApiClient]]:
    """Like ``make_client``, but a server error comes back as a 500 to count, not as an exception."""
    with ExitStack() as stack:
        def make() -> ApiClient:
            client = stack.enter_context(ApiClient(app, raise_server_exceptions=False))
            client.prime_csrf()
            return client

        yield make


def _member(browser: ApiClient, handle: str, region: str) -> ApiClient:
    response = browser.post("/api/auth/signup", json={"handle": handle, "password": PASSWORD, "region": region})
    assert response.status_code == 201, response.text
    return browser


@pytest.fixture
def world(browsers: Callable[[], ApiClient], regions: Regions, h264_clip: Path,
          run_jobs: Callable[..., int]) -> World:
    owner = _member(browsers(), "olive", "eu")
    people = {OWNER: owner, MEMBER: _member(browsers(), "mallory", "eu"),
              STRANGER: _member(browsers(), "ulysse", "us"), ANONYMOUS: browsers()}
    videos = {kind: upload_ready(owner, h264_clip, run_jobs, caption="#matrix", visibility=kind)
              for kind in KINDS[:3]}
    processing = upload(owner, h264_clip, caption="#matrix")  # no job runs: it stays processing
    assert processing.status_code == 201, processing.text
    videos["processing"] = processing.json()["id"]
    # Its files exist already (as while the ladder is rebuilt), so only the access check keeps them.
    blobs = regions.get("eu").blobs
    for name in MEDIA_FILES:
        blobs.put_bytes(keys.video_file(videos["processing"], name), b"matrix")
    comments = {}
    for kind, video_id in videos.items():
        posted = owner.post(f"/api/videos/{video_id}/comments", json={"body": "matrix"})
        assert posted.status_code == 201, posted.text
        comments[kind] = posted.json()["id"]
    started = owner.post("/api/imports", data={"links": "https://www.tiktok.com/@olive/video/7100000000000000001"})
    assert started.status_code == 202, started.text
    export = owner.post("/api/me/exports")
    assert export.status_code == 202, export.text
    run_jobs({"portability.build_export"})
    return World(people=people, videos=videos, comments=comments, run_id=started.json()["id"],
                 export_id=export.json()["id"])


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal value that fits ``schema``: required properties only, the simplest value of each type."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return _example(document, schema["anyOf"][0])
    kind: str = schema.get("type", "")
    if kind == "object":
        return {name: _example(document, schema["properties"][name]) for name in schema.get("required", [])}
    return {"string": "matrix", "integer": 1, "number": 1, "boolean": False, "array": []}.get(kind)


def _body(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The request's body arguments for httpx: JSON, or a form with files for binary fields."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"json": _example(document, content["application/json"]["schema"])}
    if "multipart/form-data" in content:
        schema = _resolve(document, content["multipart/form-data"]["schema"])
        required = {name: schema["properties"][name] for name in schema.get("required", [])}
        files = {name: ("matrix.bin", b"matrix") for name, field in required.items()
                 if "contentMediaType" in field or field.get("format") == "binary"}
        data = {name: str(_example(document, field)) for name, field in required.items() if name not in files}
        return {"files": files, "data": data} if files or data else {}
    return {}


@dataclasses.dataclass(frozen=True)
class Try:
    method: str
    template: str
    who: str
    kind: str | None  # the video the path names, MALFORMED for an id that names nothing, None for neither
    url: str
    body: dict[str, Any]

    @property
    def allowed(self) -> bool:
        policy = POLICY.get((self.method, self.template), ANYONE)  # the media route: anyone who may see
        if self.kind == MALFORMED or (self.who == ANONYMOUS and policy != ANYONE):
            return False
        if policy == OWNER_ONLY and self.who != OWNER:
            return False
        return self.kind in (None, "public") or self.who == OWNER

    def __str__(self) -> str:
        target = {None: "", MALFORMED: " (a malformed id)"}.get(self.kind, f" ({self.kind} video)")
        return f"{self.method} {self.url} by the {self.who}{target}"


def _tries(document: dict[str, Any], world: World) -> list[Try]:
    fixed = {"handle": "olive", "run_id": world.run_id, "tag": "matrix", "sound": "matrix",
             "export_id": world.export_id, "token": "eu.no-such-move"}
    tries = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            unknown = [n for n in names if n not in {*fixed, "video_id", "comment_id"}]
            assert not unknown, f"{method} {template}: the matrix cannot fill {unknown}; add them to the world"
            kinds: tuple[str | None, ...] = (None,)
            if "video_id" in names or "comment_id" in names:
                kinds = (*KINDS, MALFORMED)
            elif names:
                kinds = (None, MALFORMED)
            for kind, who in itertools.product(kinds, PEOPLE):
                values = dict(fixed)
                if kind in KINDS:
                    values |= {"video_id": world.videos[kind], "comment_id": world.comments[kind]}
                elif kind == MALFORMED:  # every parameter at once: each route must refuse it, not crash
                    values = {name: MALFORMED_ID for name in names}
                url = template.format(**{n: quote(values[n], safe="") for n in names})
                tries.append(Try(method.upper(), template, who, kind, url, _body(document, operation)))
    for kind, who, name in itertools.product((*KINDS, MALFORMED), PEOPLE, MEDIA_FILES):
        video_id = world.videos.get(kind, MALFORMED_ID)
        tries.append(Try("GET", "/media/v/{video_id}/{path}", who, kind, f"/media/v/{quote(video_id)}/{name}", {}))
    late = {operation: stage for stage, operation in enumerate(LATE, start=1)}
    return sorted(tries, key=lambda t: late.get((t.method, t.template), 0))  # stable: the owner stays last


def test_nobody_gets_what_they_may_not_and_nothing_answers_500(app: FastAPI, world: World) -> None:
    document = app.openapi()
    listed = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert listed == set(POLICY), f"operations without a policy: {listed ^ set(POLICY)}"
    hidden = [world.videos[k] for k in KINDS[1:]] + [world.comments[k] for k in KINDS[1:]]
    tries = _tries(document, world)
    errors, breaches, leaks, refused = [], [], [], []
    for attempt in tries:
        response = world.people[attempt.who].request(attempt.method, attempt.url, follow_redirects=False,
                                                     **attempt.body)
        succeeded = response.status_code < 400  # a 302 is how the media route serves a file from S3
        if response.status_code >= 500 or (attempt.kind == MALFORMED and response.status_code not in (401, 404)):
            errors.append(f"{attempt}: {response.status_code} {response.text[:200]}")
        elif succeeded and not attempt.allowed:
            breaches.append(f"{attempt}: {response.status_code}")
        elif not succeeded and attempt.allowed and attempt.kind in KINDS:
            refused.append(f"{attempt}: {response.status_code} {response.text[:200]}")
        if succeeded and attempt.who != OWNER and attempt.template.startswith("/api/"):
            leaks += [f"{attempt}: shows {thing}" for thing in hidden if thing in response.text]
    print(f"\nauthorization matrix: {len(tries)} combinations tried")
    assert not errors, "server errors or wrong refusals:\n" + "\n".join(errors)
    assert not breaches, "unauthorised successes:\n" + "\n".join(breaches)
    assert not leaks, "hidden videos or comments shown:\n" + "\n".join(leaks)
    # The matrix bites only if the people allowed do get through: a broken world would refuse everyone.
    assert not refused, "allowed but refused:\n" + "\n".join(refused)
    assert len(tries) >= FLOOR
