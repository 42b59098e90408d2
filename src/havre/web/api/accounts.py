"""JSON routes of accounts: signup, login, logout, me, public profiles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from havre.accounts import service, signin
from havre.accounts.avatar import read_avatar
from havre.accounts.models import User
from havre.blobs import BlobStore
from havre.errors import N_, NotFound
from havre.regions.gateway import note_subjects, public_file_reader
from havre.videos.access import access_creator
from havre.web import rate_limits
from havre.web.api.shapes import ProfileOut, profile_out
from havre.web.blob_response import PUBLIC_MEDIA, blob_response
from havre.web.client_address import client_address
from havre.web.deps import (
    RequestContext,
    clear_session_cookie,
    get_ctx,
    require_viewer,
    set_session_cookie,
)
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["accounts"])
avatar_router = APIRouter(tags=["media"])


class Credentials(BaseModel):
    handle: str
    password: str


class Signup(Credentials):
    region: str | None = None  # where the account's data lives; the instance's default if unset


class ProfilePatch(BaseModel):
    display_name: str | None = None
    bio: str | None = None


@router.post("/auth/signup", response_model=ProfileOut, status_code=201, responses=errors(429, body=True))
def signup(body: Signup, request: Request, response: Response,
           ctx: RequestContext = Depends(get_ctx)) -> ProfileOut:
    rate_limits.check(ctx, "signup")  # before the password's hash, the costly part
    signed = signin.sign_up(ctx.regions, handle=body.handle, password=body.password, region=body.region,
                            user_agent=request.headers.get("user-agent", ""))
    set_session_cookie(response, signed.region, signed.token, ctx.settings)
    return profile_out(signed.user)


@router.post("/auth/login", response_model=ProfileOut, responses=errors(429, body=True))
def login(body: Credentials, request: Request, response: Response,
          ctx: RequestContext = Depends(get_ctx)) -> ProfileOut:
    signed = signin.log_in(ctx.regions, handle=body.handle, password=body.password, client=client_address(request),
                           user_agent=request.headers.get("user-agent", ""),
                           max_failures=ctx.settings.login_max_failures, window_s=ctx.settings.login_window_s)
    set_session_cookie(response, signed.region, signed.token, ctx.settings)
    return profile_out(signed.user)


@router.post("/auth/logout", status_code=204, responses=errors(unsafe=True))
def logout(ctx: RequestContext = Depends(get_ctx)) -> Response:
    response = Response(status_code=204)
    if ctx.session_token:
        with ctx.db() as s:
            service.end_session(s, ctx.session_token)
            s.commit()
    clear_session_cookie(response, ctx.settings)
    return response


@router.get("/me", response_model=ProfileOut, responses=errors(member=True))
def me(viewer: User = Depends(require_viewer)) -> ProfileOut:
    return profile_out(viewer)


@router.get("/users/{handle}", response_model=ProfileOut, responses=errors(404, crosses=True))
def get_user(handle: str, ctx: RequestContext = Depends(get_ctx)) -> ProfileOut:
    return profile_out(access_creator(ctx.gateway, handle)[1])


@router.patch("/me", response_model=ProfileOut, responses=errors(body=True, member=True))
def patch_me(body: ProfilePatch, ctx: RequestContext = Depends(get_ctx),
             viewer: User = Depends(require_viewer)) -> ProfileOut:
    with ctx.db() as s:
        user = s.get(User, viewer.id)
        assert user is not None
        service.update_profile(s, user, display_name=body.display_name, bio=body.bio)
        s.commit()
        return profile_out(user)


@router.post("/me/avatar", response_model=ProfileOut, responses=errors(body=True, member=True))
def upload_avatar(avatar: UploadFile = File(...), ctx: RequestContext = Depends(get_ctx),
                  viewer: User = Depends(require_viewer)) -> ProfileOut:
    jpeg = read_avatar(avatar.file)
    with ctx.db() as s:
        user = s.get(User, viewer.id)
        assert user is not None
        service.set_avatar(s, ctx.region.blobs, user, jpeg)
        s.commit()
        return profile_out(user)


@public_file_reader
def avatar_file(s: Session, blobs: BlobStore, user_id: str) -> Response:
    """Serve a profile picture (public, like the profile)."""
    user = s.get(User, user_id)
    if user is None or not user.avatar_key:
        raise NotFound(N_("No such picture."))
    note_subjects([user.id])
    return blob_response(blobs, user.avatar_key, media_type="image/jpeg", cache_control=PUBLIC_MEDIA)


@avatar_router.get("/media/avatar/{user_id}", include_in_schema=False)
def avatar(user_id: str, ctx: RequestContext = Depends(get_ctx)) -> Response:
    region = ctx.regions.home_of_user(user_id)
    if region is None:
        raise NotFound(N_("No such picture."))
    return ctx.gateway.serve_file(region, avatar_file, user_id)
